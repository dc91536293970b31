package io.lanyard.core;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Where the store reports what it did. Chosen once at start: {@link #NOOP} when metrics are
 * disabled, so the hot path never checks a flag.
 */
interface MetricsRecorder {
    void load(long nanos, long bytes, boolean found);

    void save(long nanos, long bytes);

    /** A new session was created in memory (with loads, what {@code SessionRequests} counts). */
    void created();

    /** An expired session was handed to the expiry callback {@code lagMillis} after its expiry time. */
    void expiryLag(long lagMillis);

    void command();

    void error();

    void classRefused();

    void attributeDropped();

    void oversizedRefused();

    void expiryProcessed();

    /** The counters, as the JMX view ({@link StoreView}) reads them. */
    Counting view();

    static MetricsRecorder create(boolean enabled) {
        return enabled ? new Counting(System::nanoTime) : NOOP;
    }

    MetricsRecorder NOOP = new MetricsRecorder() {
        private final Counting zeros = new Counting(System::nanoTime);

        @Override public void load(long nanos, long bytes, boolean found) { }
        @Override public void save(long nanos, long bytes) { }
        @Override public void created() { }
        @Override public void expiryLag(long lagMillis) { }
        @Override public void command() { }
        @Override public void error() { }
        @Override public void classRefused() { }
        @Override public void attributeDropped() { }
        @Override public void oversizedRefused() { }
        @Override public void expiryProcessed() { }
        @Override public Counting view() { return zeros; }
    };

    /**
     * LongAdders: contention-free increments from many request threads; latencies and expiry lags
     * also go to {@link SlidingHistogram}s (the last one to two minutes) for their quantiles.
     */
    final class Counting implements MetricsRecorder {
        private final LongAdder loads = new LongAdder();
        private final LongAdder misses = new LongAdder();
        private final LongAdder loadNanos = new LongAdder();
        private final LongAccumulator loadMax = new LongAccumulator(Math::max, 0);
        private final LongAdder saves = new LongAdder();
        private final LongAdder saveNanos = new LongAdder();
        private final LongAccumulator saveMax = new LongAccumulator(Math::max, 0);
        private final LongAdder bytesRead = new LongAdder();
        private final LongAdder bytesWritten = new LongAdder();
        private final LongAdder commands = new LongAdder();
        private final LongAdder errors = new LongAdder();
        private final LongAdder refused = new LongAdder();
        private final LongAdder dropped = new LongAdder();
        private final LongAdder oversized = new LongAdder();
        private final LongAdder expiries = new LongAdder();
        private final LongAdder created = new LongAdder();
        private final SlidingHistogram loadMicros;
        private final SlidingHistogram saveMicros;
        private final SlidingHistogram lagMillis;

        /** @param nanoTicker the time for the sliding windows ({@code System::nanoTime}; tests move it) */
        Counting(LongSupplier nanoTicker) {
            loadMicros = new SlidingHistogram(nanoTicker);
            saveMicros = new SlidingHistogram(nanoTicker);
            lagMillis = new SlidingHistogram(nanoTicker);
        }

        @Override
        public void load(long nanos, long bytes, boolean found) {
            (found ? loads : misses).increment();
            loadNanos.add(nanos);
            loadMax.accumulate(nanos);
            loadMicros.record(nanos / 1000);
            bytesRead.add(bytes);
        }

        @Override
        public void save(long nanos, long bytes) {
            saves.increment();
            saveNanos.add(nanos);
            saveMax.accumulate(nanos);
            saveMicros.record(nanos / 1000);
            bytesWritten.add(bytes);
        }

        @Override public void created() { created.increment(); }
        @Override public void expiryLag(long lag) { lagMillis.record(lag); }
        @Override public void command() { commands.increment(); }
        @Override public void error() { errors.increment(); }
        @Override public void classRefused() { refused.increment(); }
        @Override public void attributeDropped() { dropped.increment(); }
        @Override public void oversizedRefused() { oversized.increment(); }
        @Override public void expiryProcessed() { expiries.increment(); }
        @Override public Counting view() { return this; }

        public long getLoads() { return loads.sum(); }
        public long getLoadMisses() { return misses.sum(); }
        public long getSaves() { return saves.sum(); }
        public long getBytesRead() { return bytesRead.sum(); }
        public long getBytesWritten() { return bytesWritten.sum(); }
        public long getRedisCommands() { return commands.sum(); }
        public long getErrors() { return errors.sum(); }
        public long getRefusedClasses() { return refused.sum(); }
        public long getDroppedAttributes() { return dropped.sum(); }
        public long getOversizedRefused() { return oversized.sum(); }
        public long getExpiriesProcessed() { return expiries.sum(); }

        public double getLoadLatencyMeanMicros() {
            long n = loads.sum() + misses.sum();
            return n == 0 ? 0 : loadNanos.sum() / 1000.0 / n;
        }

        public long getLoadLatencyMaxMicros() { return loadMax.get() / 1000; }

        public double getSaveLatencyMeanMicros() {
            long n = saves.sum();
            return n == 0 ? 0 : saveNanos.sum() / 1000.0 / n;
        }

        public long getSaveLatencyMaxMicros() { return saveMax.get() / 1000; }

        /** Loads (found or not) plus sessions created: the requests that used a session. */
        public long getSessionRequests() { return loads.sum() + misses.sum() + created.sum(); }

        /** {@code total} divided by {@link #getSessionRequests()}; 0 before the first. */
        public double perRequest(long total) {
            long n = getSessionRequests();
            return n == 0 ? 0 : (double) total / n;
        }

        public long getLoadLatencyP50Micros() { return loadMicros.quantile(0.50); }
        public long getLoadLatencyP99Micros() { return loadMicros.quantile(0.99); }
        public long getSaveLatencyP50Micros() { return saveMicros.quantile(0.50); }
        public long getSaveLatencyP99Micros() { return saveMicros.quantile(0.99); }
        public long getExpiryLagP50Millis() { return lagMillis.quantile(0.50); }
        public long getExpiryLagP99Millis() { return lagMillis.quantile(0.99); }
        public long getExpiryLagMaxMillis() { return lagMillis.max(); }
    }
}
