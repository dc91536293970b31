package io.lanyard.tomcat;

import io.lanyard.core.LanyardSettings;
import io.lanyard.core.StoreMetrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JMX view of one webapp's Lanyard store: the core's counters, the settings (masked), the manager's state. */
final class StoreView implements LanyardStoreMXBean {
    private final RedisSessionManager manager;

    StoreView(RedisSessionManager manager) {
        this.manager = manager;
    }

    private StoreMetrics m() {
        return manager.store().metrics();
    }

    @Override public long getLoads() { return m().getLoads(); }
    @Override public long getLoadMisses() { return m().getLoadMisses(); }
    @Override public long getSaves() { return m().getSaves(); }
    @Override public long getBytesRead() { return m().getBytesRead(); }
    @Override public long getBytesWritten() { return m().getBytesWritten(); }
    @Override public long getRedisCommands() { return m().getRedisCommands(); }
    @Override public long getErrors() { return m().getErrors(); }
    @Override public long getRefusedClasses() { return m().getRefusedClasses(); }
    @Override public long getDroppedAttributes() { return m().getDroppedAttributes(); }
    @Override public long getOversizedRefused() { return m().getOversizedRefused(); }
    @Override public long getExpiriesProcessed() { return m().getExpiriesProcessed(); }
    @Override public double getLoadLatencyMeanMicros() { return m().getLoadLatencyMeanMicros(); }
    @Override public long getLoadLatencyMaxMicros() { return m().getLoadLatencyMaxMicros(); }
    @Override public double getSaveLatencyMeanMicros() { return m().getSaveLatencyMeanMicros(); }
    @Override public long getSaveLatencyMaxMicros() { return m().getSaveLatencyMaxMicros(); }

    @Override
    public Map<String, String> getSettings() {
        Map<String, String> out = new LinkedHashMap<>();
        for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
            out.put(s.name(), manager.settings().get(s.name()));
        }
        return out;
    }

    @Override public String getRedisUri() { return manager.settings().maskedRedisUri(); }
    @Override public String getApplication() { return manager.settings().getApplication(); }
    @Override public boolean isRedisDown() { return manager.store().isRedisDown(); }
    @Override public int getSessionsInUse() { return manager.sessionsInUse(); }
    @Override public long getLostSaves() { return manager.lostSaves(); }
}
