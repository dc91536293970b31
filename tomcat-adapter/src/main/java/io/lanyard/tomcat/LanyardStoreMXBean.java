package io.lanyard.tomcat;

import io.lanyard.core.StoreMetrics;

import java.util.Map;

/**
 * JMX view of one webapp's Lanyard store on one node, registered by {@link RedisSessionManager}
 * as {@code <engine domain>:type=LanyardSessionStore,host=<host>,context=<path>}: the store's
 * counters ({@link StoreMetrics}) plus the effective settings, passwords masked.
 */
public interface LanyardStoreMXBean extends StoreMetrics {
    /** Every setting by name, as text; passwords masked. */
    Map<String, String> getSettings();

    /** The Redis URI with any password masked. */
    String getRedisUri();

    /** The application part of the Redis keys. */
    String getApplication();

    /** True while Redis is considered unreachable (requests get 503). */
    boolean isRedisDown();

    /** Sessions currently held in memory by in-flight requests on this node. */
    int getSessionsInUse();

    /**
     * Session saves that failed after the response was already committed, so the client could not
     * be told (each also logged, as one WARN per cause and minute).
     */
    long getLostSaves();
}
