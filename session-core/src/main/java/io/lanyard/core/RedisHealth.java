package io.lanyard.core;

import java.util.concurrent.atomic.LongAdder;

/**
 * What {@link RedisCalls} and {@link RedisFull} report about Redis for the JMX view: outages
 * (breaker openings) and their duration, whether a probe is in flight, and "Redis is full"
 * episodes. Written only when the breaker or an episode changes state, never per request.
 */
final class RedisHealth {
    /** The breaker's states, as {@code BreakerState} shows them. */
    enum Breaker { CLOSED, OPEN, PROBING }

    private final LongAdder outages = new LongAdder();
    private final LongAdder fullEpisodes = new LongAdder();
    private volatile long downSinceMillis;
    private volatile boolean probing;

    /** The breaker opened: an outage begins now. */
    void outageBegan() {
        downSinceMillis = System.currentTimeMillis();
        outages.increment();
    }

    /** Milliseconds since the current (or last) outage began. */
    long downMillis() {
        return System.currentTimeMillis() - downSinceMillis;
    }

    /** A background probe starts ({@code true}) or ends ({@code false}). */
    void probing(boolean inFlight) {
        probing = inFlight;
    }

    /** Redis began refusing writes for lack of memory. */
    void fullEpisodeBegan() {
        fullEpisodes.increment();
    }

    Breaker breaker(boolean down) {
        return !down ? Breaker.CLOSED : probing ? Breaker.PROBING : Breaker.OPEN;
    }

    /** Whole seconds the current outage has lasted; 0 while Redis is up. */
    long currentOutageSeconds(boolean down) {
        return down ? Math.max(0, downMillis() / 1000) : 0;
    }

    long outages() {
        return outages.sum();
    }

    long fullEpisodes() {
        return fullEpisodes.sum();
    }
}
