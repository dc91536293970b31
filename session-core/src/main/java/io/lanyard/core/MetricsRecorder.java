package io.lanyard.core;

import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where the store reports what it did. Chosen once at start: {@link #NOOP} when metrics are
 * disabled, so the hot path never checks a flag.
 */
interface MetricsRecorder {
    void load(long nanos, long bytes, boolean found);

    void save(long nanos, long bytes);

    void command();

    void error();

    void classRefused();

    void attributeDropped();

    void oversizedRefused();

    void expiryProcessed();

    /** The counters, as the JMX view ({@link StoreView}) reads them. */
    Counting view();

    static MetricsRecorder create(boolean enabled) {
        return enabled ? new Counting() : NOOP;
    }

    MetricsRecorder NOOP = new MetricsRecorder() {
        private final Counting zeros = new Counting();

        @Override public void load(long nanos, long bytes, boolean found) { }
        @Override public void save(long nanos, long bytes) { }
        @Override public void command() { }
        @Override public void error() { }
        @Override public void classRefused() { }
        @Override public void attributeDropped() { }
        @Override public void oversizedRefused() { }
        @Override public void expiryProcessed() { }
        @Override public Counting view() { return zeros; }
    };

    /** LongAdders: contention-free increments from many request threads. */
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

        @Override
        public void load(long nanos, long bytes, boolean found) {
            (found ? loads : misses).increment();
            loadNanos.add(nanos);
            loadMax.accumulate(nanos);
            bytesRead.add(bytes);
        }

        @Override
        public void save(long nanos, long bytes) {
            saves.increment();
            saveNanos.add(nanos);
            saveMax.accumulate(nanos);
            bytesWritten.add(bytes);
        }

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
    }
}
