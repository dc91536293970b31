package io.lanyard.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/** The one {@link LanyardStoreMXBean} implementation: the store's counters and state. */
final class StoreView implements LanyardStoreMXBean {
    private final LanyardSettings settings;
    private final MetricsRecorder.Counters m;
    private final RedisCalls redis;
    private final AtomicLong lostSaves;
    private volatile IntSupplier sessionsInUse;

    StoreView(LanyardSettings settings, MetricsRecorder.Counters counters, RedisCalls redis, AtomicLong lostSaves,
              IntSupplier sessionsInUse) {
        this.settings = settings;
        this.m = counters;
        this.redis = redis;
        this.lostSaves = lostSaves;
        this.sessionsInUse = sessionsInUse;
    }

    void sessionsInUse(IntSupplier supplier) {
        this.sessionsInUse = supplier;
    }

    @Override public long getLoads() { return m.getLoads(); }
    @Override public long getLoadMisses() { return m.getLoadMisses(); }
    @Override public long getSaves() { return m.getSaves(); }
    @Override public long getBytesRead() { return m.getBytesRead(); }
    @Override public long getBytesWritten() { return m.getBytesWritten(); }
    @Override public long getRedisCommands() { return m.getRedisCommands(); }
    @Override public long getErrors() { return m.getErrors(); }
    @Override public long getRefusedClasses() { return m.getRefusedClasses(); }
    @Override public long getDroppedAttributes() { return m.getDroppedAttributes(); }
    @Override public long getOversizedRefused() { return m.getOversizedRefused(); }
    @Override public long getExpiriesProcessed() { return m.getExpiriesProcessed(); }
    @Override public double getLoadLatencyMeanMicros() { return m.getLoadLatencyMeanMicros(); }
    @Override public long getLoadLatencyMaxMicros() { return m.getLoadLatencyMaxMicros(); }
    @Override public double getSaveLatencyMeanMicros() { return m.getSaveLatencyMeanMicros(); }
    @Override public long getSaveLatencyMaxMicros() { return m.getSaveLatencyMaxMicros(); }
    @Override public long getLostSaves() { return lostSaves.get(); }
    @Override public int getSessionsInUse() { return sessionsInUse.getAsInt(); }
    @Override public boolean isRedisDown() { return redis.isDown(); }
    @Override public String getRedisUri() { return settings.maskedRedisUri(); }
    @Override public String getApplication() { return settings.getApplication(); }

    @Override
    public Map<String, String> getSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
            out.put(s.name(), settings.get(s.name()));
        }
        return out;
    }
}
