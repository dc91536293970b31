package io.lanyard.jetty;

import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardSettings;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.session.AbstractSessionDataStoreFactory;
import org.eclipse.jetty.session.SessionDataStore;
import org.eclipse.jetty.session.SessionManager;

/**
 * Creates one {@link RedisSessionDataStore} per webapp. Every Lanyard setting is set by its name,
 * the same as the Tomcat attribute ({@code set("poolSize", 32)} = {@code poolSize="32"} = property
 * {@code jetty.session.redis.poolSize}); the two every deployment needs have setters of their own.
 *
 * <pre>
 * RedisSessionDataStoreFactory redis = new RedisSessionDataStoreFactory();
 * redis.setRedisUri("redis://10.0.0.5:6379");
 * redis.setAllowedClasses("com.example.shop.**");
 * server.addBean(redis);
 * </pre>
 *
 * An unknown name fails at once; the values are checked when each webapp's store starts (after
 * {@code LANYARD_*} environment overrides), and a bad value stops that webapp from starting.
 */
public class RedisSessionDataStoreFactory extends AbstractSessionDataStoreFactory {
    /** What was set; each store gets a copy, validated for its own context. */
    private final LanyardSettings settings = new LanyardSettings();

    @Override
    public SessionDataStore getSessionDataStore(SessionManager manager) {
        RedisSessionDataStore store = newStore(settings.copy());
        store.setGracePeriodSec(getGracePeriodSec());
        store.setSavePeriodSec(getSavePeriodSec());
        guard(manager);
        return store;
    }

    /**
     * Puts a {@link RedisUnavailableHandler} directly after the webapp's session handler (both
     * ee10/ee11 {@code SessionHandler}s and the core one are handler wrappers), so a request whose
     * session cannot be loaded while Redis is down gets a 503 instead of running without its
     * session. Called while the session handler starts, before its children start; a restarted
     * webapp keeps its handler. A custom session manager gets none: a load while Redis is down
     * finds no session.
     */
    private static void guard(SessionManager manager) {
        if (manager instanceof Handler.Singleton sessionHandler && !(sessionHandler.getHandler() instanceof RedisUnavailableHandler)) {
            sessionHandler.insertHandler(new RedisUnavailableHandler(manager));
        }
    }

    /** Creates the store for one webapp; override to customise the store class. */
    protected RedisSessionDataStore newStore(LanyardSettings settings) {
        return new RedisSessionDataStore(settings);
    }

    /**
     * Sets the Lanyard setting {@code name} ({@link LanyardSettings#defaults}: the Tomcat attribute
     * names, e.g. {@code set("poolSize", 32)}) to {@code value}'s text. The module's
     * {@code jetty.session.redis.*} properties arrive through {@link #setProperties}. Each
     * webapp's store checks all values when it starts; a bad one stops that webapp.
     *
     * @throws LanyardException if {@code name} is not a setting (the message names the closest one)
     */
    public void set(String name, Object value) {
        settings.set(name, value == null ? null : value.toString());
    }

    /**
     * Sets every {@code jetty.session.redis.*} entry of {@code properties} ({@code uri} is short for
     * {@code redisUri}); each webapp's store warns at start of those that are not settings, naming
     * the closest one ({@link LanyardSettings#bindAll}).
     */
    void setProperties(Map<String, String> properties) {
        settings.bindAll("property", JettyProperties.PREFIX, properties);
    }

    /** Where Redis is: {@code redis://}, {@code rediss://}, {@code redis-sentinel://}, {@code redis-cluster://}. */
    public void setRedisUri(String uri) {
        set("redisUri", uri);
    }

    /** Class patterns ({@code a.b.C}, {@code a.b.*}, {@code a.b.**}) Kryo may instantiate besides the safe set. */
    public void setAllowedClasses(String patterns) {
        set("allowedClasses", patterns);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[redis=" + settings.maskedRedisUri() + "]";
    }
}
