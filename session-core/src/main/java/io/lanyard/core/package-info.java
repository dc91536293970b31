/**
 * Lanyard's container-neutral core: {@link io.lanyard.core.RedisSessionStore}, one per webapp per
 * node, and the parts it is made of. Adapters translate container calls to the store's few methods.
 *
 * <p>Design notes.
 * <ul>
 * <li>Requests use sessions through {@link io.lanyard.core.RedisSessionStore#enter}: an
 *     {@link io.lanyard.core.ActiveSession} per session in use on this node gives concurrent
 *     requests one load and one record, bounded waits and their own saves (see there). A container
 *     whose request boundaries repeat (Tomcat: async dispatches, forwards) keeps one request scope
 *     per request ({@link io.lanyard.core.RequestScope}), which ends once; a failed
 *     request gets the same status, headers and text on both containers (Tomcat writes
 *     {@link io.lanyard.core.LanyardException#httpAnswer}; Jetty's 503 handler writes the same
 *     {@code ANSWER} with {@link io.lanyard.core.LanyardException#httpHeaders}).</li>
 * <li>Cost per request: a load is one read-only {@code EVALSHA_RO} that reads the hash; only when
 *     the stored access is older than the touch interval does a second command write the access,
 *     expiry and TTL ({@code TouchPolicy}); a save is one {@code EVALSHA} that writes only the
 *     changed attributes, or nothing at all when nothing changed. Shared keys (the expiry index)
 *     are written only when a session is created or its timeout changes, never per request: the
 *     index may hold an expiry that is too early, and the scavenger re-checks each due entry
 *     against the hash.</li>
 * <li>Every write is a single-key Lua script, so it is atomic and valid on Redis Cluster; the
 *     session id is in a hash tag.</li>
 * <li>Expiry ({@code Expiry}): nodes claim due index entries as leases; each expired session is
 *     handed to exactly one node's callback ({@link io.lanyard.core.RedisSessionStore#startExpiry}),
 *     then deleted.</li>
 * <li>One scheduler thread pool per store runs the expiry passes and, while Redis is down, the
 *     breaker's probes ({@code RedisCalls}); request threads never probe.</li>
 * <li>Sessions of a principal (a signed-in user) are indexed per principal, for the application
 *     API ({@link io.lanyard.core.RedisSessionStore#sessionControl()}) and the per-principal limit
 *     ({@code PrincipalIndex}); the index is written only when a session's principal changes, never
 *     per request.</li>
 * <li>The application's session figures across nodes ({@code ClusterFigures}) cost requests
 *     nothing: counted in memory, added to one stats hash by the store's scheduler, read back at
 *     most every 5 s per node. Operators' tools list at most 1,000 sessions
 *     ({@link io.lanyard.core.RedisSessionStore#recentSessions}) and expire one through the
 *     sign-out claim ({@link io.lanyard.core.RedisSessionStore#expireNow}).</li>
 * <li>Attributes are decoded with the webapp's class loader, given to the store explicitly, so
 *     background threads resolve webapp classes too.</li>
 * </ul>
 */
package io.lanyard.core;
