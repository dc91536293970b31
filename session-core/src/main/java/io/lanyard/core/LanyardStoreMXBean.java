package io.lanyard.core;

import java.util.List;
import java.util.Map;

/**
 * The JMX view of one webapp's Lanyard store on one node, the same on both containers: the
 * store's counters since start and latency quantiles (all zero when {@code metricsEnabled=false}),
 * its state (the Redis breaker, outages, lost saves: kept either way) and the effective settings,
 * passwords masked; and operations on a user's sessions, as the application API
 * ({@code io.lanyard.api.SessionControl}) offers them. The counters, quantiles and states are
 * read from memory, without a Redis call; the operations call Redis. Tomcat registers it as
 * {@code <engine>:type=LanyardSessionStore,host=<host>,context=<path>}, Jetty as
 * {@code io.lanyard:type=LanyardSessionStore,context=<application>}. The README's "Monitoring"
 * section lists every attribute with its unit and cost.
 */
public interface LanyardStoreMXBean {
    /** Sessions loaded from Redis (found). */
    long getLoads();

    /** Loads that found no usable session (missing, expired, invalid id). */
    long getLoadMisses();

    /** Saves that wrote something. */
    long getSaves();

    /** Bytes of session data read from Redis. */
    long getBytesRead();

    /** Bytes of session data written to Redis. */
    long getBytesWritten();

    /** Redis commands this store sent. */
    long getRedisCommands();

    /** Redis calls that failed (unreachable, timeout, server error). */
    long getErrors();

    /** Class names refused by the deserialization allowlist. */
    long getRefusedClasses();

    /** Attributes dropped because they could not be decoded. */
    long getDroppedAttributes();

    /** Saves refused because the session was larger than maxSessionBytes. */
    long getOversizedRefused();

    /** Expired sessions this node handed to its expiry callback. */
    long getExpiriesProcessed();

    /** Mean load latency in microseconds. */
    double getLoadLatencyMeanMicros();

    /** Largest load latency in microseconds. */
    long getLoadLatencyMaxMicros();

    /** Mean save latency in microseconds. */
    double getSaveLatencyMeanMicros();

    /** Largest save latency in microseconds. */
    long getSaveLatencyMaxMicros();

    /**
     * Session saves that failed after the response was already committed, so the client could not
     * be told (each also logged, as one WARNING per cause and minute).
     */
    long getLostSaves();

    /** Sessions currently held in memory by in-flight requests on this node. */
    int getSessionsInUse();

    /** True while Redis is considered unreachable (requests get 503). */
    boolean isRedisDown();

    /** The Redis URI with any password masked. */
    String getRedisUri();

    /** The application part of the Redis keys. */
    String getApplication();

    /** Every setting by name, as text; passwords masked. */
    Map<String, String> getSettings();

    // ---- the store's health (README "Monitoring"): counters since start, quantiles over the last
    // one to two minutes (SlidingHistogram), all read from memory without a Redis call ----

    /**
     * Requests that used a session: loads (found or not) plus sessions created. Concurrent
     * requests of one session on one Tomcat node share one load and count once.
     */
    long getSessionRequests();

    /** {@code RedisCommands / SessionRequests} since start (background commands included). */
    double getRedisCommandsPerRequest();

    /** {@code BytesRead / SessionRequests} since start. */
    double getBytesReadPerRequest();

    /** {@code BytesWritten / SessionRequests} since start. */
    double getBytesWrittenPerRequest();

    /** Median load latency over the last one to two minutes, in microseconds (within 6.25%); 0 without loads. */
    long getLoadLatencyP50Micros();

    /** 99th percentile load latency over the last one to two minutes, in microseconds (within 6.25%). */
    long getLoadLatencyP99Micros();

    /** Median save latency over the last one to two minutes, in microseconds (within 6.25%); 0 without saves. */
    long getSaveLatencyP50Micros();

    /** 99th percentile save latency over the last one to two minutes, in microseconds (within 6.25%). */
    long getSaveLatencyP99Micros();

    /**
     * Median expiry lag over the last one to two minutes, in milliseconds: how long after its
     * expiry time this node handed an expired session to {@code sessionDestroyed}.
     */
    long getExpiryLagP50Millis();

    /** 99th percentile expiry lag over the last one to two minutes, in milliseconds (within 6.25%). */
    long getExpiryLagP99Millis();

    /** Largest expiry lag over the last one to two minutes, in milliseconds (exact). */
    long getExpiryLagMaxMillis();

    /**
     * The Redis breaker: {@code CLOSED} (Redis in use), {@code OPEN} (requests fail fast with 503)
     * or {@code PROBING} (open, a background probe in flight). {@link #isRedisDown()} is true
     * unless it is {@code CLOSED}.
     */
    String getBreakerState();

    /** Times the breaker opened since start (outages, refused credentials included). */
    long getOutages();

    /** Whole seconds the current outage has lasted; 0 while the breaker is closed. */
    long getCurrentOutageSeconds();

    /** Episodes of Redis refusing writes for lack of memory ({@code maxmemory}) since start. */
    long getRedisFullEpisodes();

    /** True while Redis refuses writes for memory and did so within the last second. */
    boolean isRedisFull();

    /**
     * The live sessions of a principal (a user), most recently used first, one line each:
     * {@code <id> created=<instant> lastAccessed=<instant> node=<node>}.
     */
    List<String> sessionsOf(String principal);

    /** Signs a principal out of every session, on every node; returns how many were signed out. */
    int signOutAll(String principal);

    /** Signs a principal out of every session but {@code keepSessionId}; returns how many were signed out. */
    int signOutAllBut(String principal, String keepSessionId);

    // ---- The application's sessions on all nodes (the same on every node), with the names and
    // meaning of Tomcat's Manager attributes. Read from Redis at most every 5 s per node (a ZCARD
    // per expiry-index shard and one script); each node adds its counts after every expiry pass
    // (scavengeIntervalSeconds) and at stop, so the counters lag by up to that. ----

    /** Sessions in the expiry index: live ones, and expired ones whose listeners have not run yet. Never-expiring sessions are not counted. */
    long getActiveSessions();

    /** Sessions created (first stored) since the application's figures began. */
    long getSessionCounter();

    /** Sessions whose expiry was handed to a node's listeners: timed out, signed out, or expired by an operator. */
    long getExpiredSessions();

    /** New sessions whose first save failed (Redis unreachable or full, or over maxSessionBytes): lost to their users. */
    long getRejectedSessions();

    /** The most sessions active at once, as sampled by the nodes' refreshes. */
    long getMaxActive();

    /** The longest time, in seconds, a session lived until it expired or was invalidated. */
    int getSessionMaxAliveTime();

    /** The average time, in seconds, sessions lived until they expired or were invalidated. */
    int getSessionAverageAliveTime();
}
