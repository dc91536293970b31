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

[ini-template]
## Lanyard settings (same names as the Tomcat <Manager> attributes; each can also be
## overridden by an environment variable LANYARD_<NAME>, e.g. LANYARD_REDIS_URI).
## A setting whose property is not given keeps Lanyard's default (shown commented out).

## Where Redis is: redis://, rediss:// (TLS), redis-sentinel://, redis-cluster://
## (jetty.session.redis.redisUri is accepted too; it wins if both are given)
#jetty.session.redis.uri=redis://127.0.0.1:6379

## First part of every Redis key
#jetty.session.redis.keyPrefix=lanyard

## Application part of the key; default: context path without '/', ROOT for the root context
#jetty.session.redis.application=

## Comma-separated class patterns (a.b.C, a.b.*, a.b.**) Kryo may instantiate on top of the built-in safe set
#jetty.session.redis.allowedClasses=

## How long an expired session stays in Redis so listeners can still read it (TTL = expiry + grace)
#jetty.session.redis.gracePeriodSeconds=300

## Largest encoded session; a larger save is refused whole
#jetty.session.redis.maxSessionBytes=1048576

## Redis connect timeout
#jetty.session.redis.connectTimeoutMillis=2000

## Redis read timeout
#jetty.session.redis.readTimeoutMillis=2000

## Maximum Redis connections per node and application
#jetty.session.redis.poolSize=16

## Number of expiry-index sorted sets; keep it fixed for a deployment
#jetty.session.redis.expiryShards=16

## How often a node looks for expired sessions (jittered by up to 25%)
#jetty.session.redis.scavengeIntervalSeconds=30

## How long a node owns a claimed expired session before another node may retry it
#jetty.session.redis.claimLeaseSeconds=60

## How many due sessions a node claims per expiry shard and scan
#jetty.session.redis.scavengeBatchSize=100

## This node's name in the session's 'node' field; default: host name
#jetty.session.redis.nodeName=

## Count loads, saves, bytes, commands, errors (JMX); false = no-op
#jetty.session.redis.metricsEnabled=true

## Trust store file for rediss:// (default: the JVM's)
#jetty.session.redis.trustStore=

## Password of trustStore
#jetty.session.redis.trustStorePassword=

## Type of trustStore (PKCS12 or JKS)
#jetty.session.redis.trustStoreType=PKCS12

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
