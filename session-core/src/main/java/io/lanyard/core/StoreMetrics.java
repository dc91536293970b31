package io.lanyard.core;

/**
 * Counters of one store (one webapp on one node) since start. The adapters publish this
 * interface as JMX attributes. All zero when {@code metricsEnabled=false}.
 */
public interface StoreMetrics {
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
}
