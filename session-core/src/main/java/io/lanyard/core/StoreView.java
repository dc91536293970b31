package io.lanyard.core;

import io.lanyard.api.SessionControl;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The one {@link LanyardStoreMXBean} implementation (the store's counters and state) and the one
 * failure policy for saves the client can no longer be told about.
 */
final class StoreView implements LanyardStoreMXBean {
    private final LanyardSettings settings;
    private final MetricsRecorder.Counting m;
    private final RedisCalls redis;
    private final SessionControl sessions;
    private final System.Logger log;
    private final AtomicLong lostSaves = new AtomicLong();
    private final RateLimitedLog lostSaveWarnings;
    private volatile IntSupplier sessionsInUse;
    private volatile ObjectName registered;
    private final ClusterFigures cluster;

    StoreView(LanyardSettings settings, MetricsRecorder.Counting counters, RedisCalls redis, System.Logger log,
              IntSupplier sessionsInUse, SessionControl sessions, ClusterFigures cluster) {
        this.settings = settings;
        this.cluster = cluster;
        this.sessions = sessions;
        this.m = counters;
        this.redis = redis;
        this.log = log;
        this.lostSaveWarnings = new RateLimitedLog(log, 60_000);
        this.sessionsInUse = sessionsInUse;
    }

    /** Counted ({@code LostSaves}) and logged, one WARNING per cause and minute. */
    void lostSave(RuntimeException failure) {
        lostSaves.incrementAndGet();
        String cause = failure.getClass().getSimpleName();
        lostSaveWarnings.warn(cause, "Lanyard: a session save failed after the response was committed; the"
                + " request's session changes are lost (" + cause + ": " + failure.getMessage() + ")");
    }

    ObjectName register(String name) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            ObjectName on = new ObjectName(name);
            if (server.isRegistered(on)) {
                on = new ObjectName(name + ",node=" + ObjectName.quote(settings.getNodeName()));
            }
            server.registerMBean(new StandardMBean(this, LanyardStoreMXBean.class, true), on);
            registered = on;
            return on;
        } catch (JMException | RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "Lanyard: cannot register the JMX bean " + name + ": " + e);
            return null;
        }
    }

    /** Runs {@code save}; a failure is also a lost save ({@link #lostSave}), and thrown. */
    SaveResult countingLost(java.util.function.Supplier<SaveResult> save) {
        try {
            return save.get();
        } catch (RuntimeException e) {
            lostSave(e);
            throw e;
        }
    }

    ObjectName registered() {
        return registered;
    }

    void unregister() {
        ObjectName on = registered;
        registered = null;
        if (on != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(on);
            } catch (JMException e) {
                log.log(System.Logger.Level.DEBUG, "Lanyard: cannot unregister " + on + ": " + e);
            }
        }
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

    @Override public long getSessionRequests() { return m.getSessionRequests(); }
    @Override public double getRedisCommandsPerRequest() { return m.perRequest(m.getRedisCommands()); }
    @Override public double getBytesReadPerRequest() { return m.perRequest(m.getBytesRead()); }
    @Override public double getBytesWrittenPerRequest() { return m.perRequest(m.getBytesWritten()); }
    @Override public long getLoadLatencyP50Micros() { return m.getLoadLatencyP50Micros(); }
    @Override public long getLoadLatencyP99Micros() { return m.getLoadLatencyP99Micros(); }
    @Override public long getSaveLatencyP50Micros() { return m.getSaveLatencyP50Micros(); }
    @Override public long getSaveLatencyP99Micros() { return m.getSaveLatencyP99Micros(); }
    @Override public long getExpiryLagP50Millis() { return m.getExpiryLagP50Millis(); }
    @Override public long getExpiryLagP99Millis() { return m.getExpiryLagP99Millis(); }
    @Override public long getExpiryLagMaxMillis() { return m.getExpiryLagMaxMillis(); }
    @Override public String getBreakerState() { return redis.health().breaker(redis.isDown()).name(); }
    @Override public long getOutages() { return redis.health().outages(); }
    @Override public long getCurrentOutageSeconds() { return redis.health().currentOutageSeconds(redis.isDown()); }
    @Override public long getRedisFullEpisodes() { return redis.health().fullEpisodes(); }
    @Override public boolean isRedisFull() { return redis.isFull(); }

    @Override
    public List<String> sessionsOf(String principal) {
        return sessions.sessionsOf(principal).stream().map(i -> i.id() + " created=" + i.created() + " lastAccessed="
                + i.lastAccessed() + " node=" + i.lastNode()).toList();
    }

    @Override
    public int signOutAll(String principal) {
        return sessions.signOutAll(principal);
    }

    @Override
    public int signOutAllBut(String principal, String keepSessionId) {
        return sessions.signOutOthers(principal, keepSessionId);
    }

    // ---- the application's sessions on all nodes (ClusterFigures: at most 5 s old) ----

    @Override public long getActiveSessions() { return cluster.current().active(); }
    @Override public long getSessionCounter() { return cluster.current().created(); }
    @Override public long getExpiredSessions() { return cluster.current().expired(); }
    @Override public long getRejectedSessions() { return cluster.current().rejected(); }
    @Override public long getMaxActive() { return cluster.current().maxActive(); }
    @Override public int getSessionMaxAliveTime() { return (int) Math.min(Integer.MAX_VALUE, cluster.current().maxAliveSeconds()); }

    @Override
    public int getSessionAverageAliveTime() {
        ClusterFigures.Snapshot s = cluster.current();
        return s.ended() == 0 ? 0 : (int) (s.aliveSeconds() / s.ended());
    }
}
