# Lanyard: HTTP sessions in Redis for load-balanced (non-sticky) Jetty and Tomcat nodes.

[description]
Stores HTTP sessions in Redis with Lanyard (one hash per session, per-attribute deltas,
cluster-wide expiry without keyspace notifications). Sessions are shared with Tomcat nodes of the
same application. Selects DefaultSessionCache with eviction on session exit, so a node never
serves a copy of a session that another node has changed since.

[tags]
session

[provides]
session-store

[depend]
sessions
session-cache-hash

[lib]
lib/redis/*.jar

[xml]
etc/sessions/redis/session-store.xml
etc/sessions/redis/properties.xml

[ini-template]
## Lanyard settings (same names as the Tomcat <Manager> attributes; each can also be
## overridden by an environment variable LANYARD_<NAME>, e.g. LANYARD_REDIS_URI).
## A setting whose property is not given keeps Lanyard's default (shown commented out).

## @settings@
## Jetty's store settings. Lanyard scavenges on its own schedule (scavengeIntervalSeconds) and
## claims expired sessions atomically, so Jetty's grace period only paces Jetty's own extra checks;
## Jetty's orphan sweep never deletes a session whose sessionDestroyed listeners are still due.
#jetty.session.gracePeriod.seconds=3600
## Keep 0: a session is stored when the last request leaves it (an unchanged session sends
## nothing). Lanyard treats every session with attributes as possibly changed in place, so a
## longer period saves nothing for those.
#jetty.session.savePeriod.seconds=0
## This module selects session-cache-hash (DefaultSessionCache, evicted on session exit); a base
## that already enables another session-cache module (e.g. session-cache-null) must drop it first.
