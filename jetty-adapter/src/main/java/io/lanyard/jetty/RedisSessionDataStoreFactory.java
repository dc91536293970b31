package io.lanyard.jetty;

import io.lanyard.core.LanyardSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionManager;

/**
 * Creates one {@link RedisSessionDataStore} per webapp. A setter bean for Jetty XML and embedded
 * use, with one setter per Lanyard setting under the same name as the Tomcat attribute
 * ({@code setRedisUri} = {@code redisUri} = property {@code jetty.session.redis.redisUri}; the
 * module also accepts the short {@code jetty.session.redis.uri} for it).
 *
 * <pre>
 * RedisSessionDataStoreFactory redis = new RedisSessionDataStoreFactory();
 * redis.setRedisUri("redis://10.0.0.5:6379");
 * redis.setAllowedClasses("com.example.shop.**");
 * server.addBean(redis);
 * </pre>
 *
 * Values are checked as they are set; the full check runs when each webapp's store starts (after
 * {@code LANYARD_*} environment overrides), and a bad value stops that webapp from starting.
 */
public class RedisSessionDataStoreFactory extends AbstractSessionDataStoreFactory {
    /** Set here, checked at once; each store gets its own copy, validated for its context. */
    private final LanyardSettings settings = new LanyardSettings();
    private final Map<String, String> assigned = new LinkedHashMap<>();

    @Override
    public SessionDataStore getSessionDataStore(SessionManager manager) {
        LanyardSettings copy = new LanyardSettings();
        synchronized (assigned) {
            assigned.forEach(copy::set);
        }
        RedisSessionDataStore store = newStore(copy);
        store.setGracePeriodSec(getGracePeriodSec());
        store.setSavePeriodSec(getSavePeriodSec());
        guard(manager, store);
        return store;
    }

    /**
     * Puts a {@link RedisUnavailableHandler} directly after the webapp's session handler (both
     * ee10/ee11 {@code SessionHandler}s and the core one are handler wrappers), so a request whose
     * session cannot be loaded while Redis is down gets a 503 instead of running without its
     * session. Called while the session handler starts, before its children start; a restarted
     * webapp keeps its handler, which is re-bound to the new store.
     */
    private static void guard(SessionManager manager, RedisSessionDataStore store) {
        if (!(manager instanceof Handler.Singleton sessionHandler)) {
            return; // a custom session manager: loads throw RedisUnavailableException as before
        }
        if (sessionHandler.getHandler() instanceof RedisUnavailableHandler old) {
            RedisUnavailableHandler fresh = new RedisUnavailableHandler(store);
            fresh.setHandler(old.getHandler());
            old.setHandler((Handler) null);
            sessionHandler.setHandler(fresh);
        } else {
            sessionHandler.insertHandler(new RedisUnavailableHandler(store));
        }
    }

    /** Creates the store for one webapp; override to customise the store class. */
    protected RedisSessionDataStore newStore(LanyardSettings settings) {
        return new RedisSessionDataStore(settings);
    }

    private void put(String name, Object value) {
        String text = String.valueOf(value);
        settings.set(name, text); // fails fast on a malformed value
        synchronized (assigned) {
            assigned.put(name, text);
        }
    }

    /** Where Redis is: {@code redis://}, {@code rediss://}, {@code redis-sentinel://}, {@code redis-cluster://}. */
    public void setRedisUri(String v) { put("redisUri", v); }
    /** The Redis URI with any password masked. */
    public String getRedisUri() { return settings.maskedRedisUri(); }
    /** First part of every Redis key (default {@code lanyard}). */
    public void setKeyPrefix(String v) { put("keyPrefix", v); }
    public String getKeyPrefix() { return settings.getKeyPrefix(); }
    /** Application part of the key; default: the context path without '/', {@code ROOT} for the root. */
    public void setApplication(String v) { put("application", v); }
    public String getApplication() { return settings.getApplication(); }
    /** Class patterns ({@code a.b.C}, {@code a.b.*}, {@code a.b.**}) Kryo may instantiate besides the safe set. */
    public void setAllowedClasses(String v) { put("allowedClasses", v == null ? "" : v); }
    public String getAllowedClasses() { return settings.getAllowedClasses(); }
    /** How long an expired session stays readable in Redis for its listeners (TTL = expiry + grace). */
    public void setGracePeriodSeconds(int v) { put("gracePeriodSeconds", v); }
    public int getGracePeriodSeconds() { return settings.getGracePeriodSeconds(); }
    /** Largest encoded session; a larger save is refused whole. */
    public void setMaxSessionBytes(int v) { put("maxSessionBytes", v); }
    public int getMaxSessionBytes() { return settings.getMaxSessionBytes(); }
    public void setConnectTimeoutMillis(int v) { put("connectTimeoutMillis", v); }
    public int getConnectTimeoutMillis() { return settings.getConnectTimeoutMillis(); }
    public void setReadTimeoutMillis(int v) { put("readTimeoutMillis", v); }
    public int getReadTimeoutMillis() { return settings.getReadTimeoutMillis(); }
    /** Maximum Redis connections per node and application. */
    public void setPoolSize(int v) { put("poolSize", v); }
    public int getPoolSize() { return settings.getPoolSize(); }
    /** Number of expiry-index sorted sets; keep it fixed for a deployment. */
    public void setExpiryShards(int v) { put("expiryShards", v); }
    public int getExpiryShards() { return settings.getExpiryShards(); }
    /** How often this node looks for expired sessions (jittered). */
    public void setScavengeIntervalSeconds(int v) { put("scavengeIntervalSeconds", v); }
    public int getScavengeIntervalSeconds() { return settings.getScavengeIntervalSeconds(); }
    /** How long a claimed expired session belongs to this node before another may retry it. */
    public void setClaimLeaseSeconds(int v) { put("claimLeaseSeconds", v); }
    public int getClaimLeaseSeconds() { return settings.getClaimLeaseSeconds(); }
    public void setScavengeBatchSize(int v) { put("scavengeBatchSize", v); }
    public int getScavengeBatchSize() { return settings.getScavengeBatchSize(); }
    /** This node's name in the session's {@code node} field (default: host name). */
    public void setNodeName(String v) { put("nodeName", v); }
    public String getNodeName() { return settings.getNodeName(); }
    /** false = no counters (a no-op recorder). */
    public void setMetricsEnabled(boolean v) { put("metricsEnabled", v); }
    public boolean isMetricsEnabled() { return settings.isMetricsEnabled(); }
    /** Trust store for {@code rediss://} (default: the JVM's). */
    public void setTrustStore(String v) { put("trustStore", v == null ? "" : v); }
    public String getTrustStore() { return settings.getTrustStore(); }
    public void setTrustStorePassword(String v) { put("trustStorePassword", v == null ? "" : v); }
    /** PKCS12 or JKS. */
    public void setTrustStoreType(String v) { put("trustStoreType", v); }
    public String getTrustStoreType() { return settings.getTrustStoreType(); }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[redis=" + settings.maskedRedisUri() + "]";
    }
}
