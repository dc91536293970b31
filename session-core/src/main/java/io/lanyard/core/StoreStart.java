package io.lanyard.core;

import java.util.List;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The start sequence of a {@link RedisSessionStore}, around its construction: the settings as both
 * adapters prepare them (environment overrides, the container's node name, validation), then the
 * start-up check of the connection and one line naming every effective setting.
 */
final class StoreStart {
    /** The store's logger: operators see one logger name for the store's lines. */
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());

    private StoreStart() {
    }

    /**
     * Applies the {@code LANYARD_*} environment overrides (logged), takes {@code defaultNodeName}
     * when no node name is set, and validates; settings validated before (a restarted webapp) are
     * used as they are. Then logs the names given that are not settings ({@link LanyardSettings#bindAll}).
     */
    static void prepare(LanyardSettings settings, String contextPath, String defaultNodeName) {
        settings.ignoredNames().forEach(w -> LOG.log(System.Logger.Level.WARNING, "Lanyard [" + contextPath + "]: " + w));
        if (!settings.isSealed()) {
            List<String> fromEnvironment = SettingSources.prepare(settings, System.getenv(), contextPath, defaultNodeName);
            if (!fromEnvironment.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "Lanyard settings overridden by LANYARD_* environment variables: " + fromEnvironment);
            }
        }
    }

    /**
     * {@link #prepare}, then the start of a store through {@code start}, with its log lines routed
     * ({@link LogRoute}) from the first one on.
     */
    static RedisSessionStore start(LanyardSettings settings, String contextPath, String defaultNodeName,
                                   Supplier<RedisSessionStore> start) {
        LogRoute.open(settings);
        try {
            prepare(settings, contextPath, defaultNodeName);
            return start.get();
        } catch (RuntimeException e) {
            LogRoute.close(settings);
            throw e;
        }
    }

    /** The store's two daemon threads: an expiry pass (listeners may be slow) never delays a probe, nor the other way round. */
    static ScheduledThreadPoolExecutor scheduler(String application, ClassLoader classLoader) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2, r -> {
            Thread t = new Thread(r, "lanyard-" + application);
            t.setDaemon(true);
            t.setContextClassLoader(classLoader);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        return scheduler;
    }

    /** Runs the start-up check ({@link RedisCalls#checkAtStart}); a store that fails it is closed. Then logs the settings. */
    static RedisSessionStore checked(RedisSessionStore store, RedisCalls redis, LanyardSettings settings) {
        try {
            redis.checkAtStart();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        // Every effective setting (passwords masked), so the log alone tells how a node was configured.
        LOG.log(System.Logger.Level.INFO, "Lanyard session store started: " + LanyardSettings.SETTINGS.stream()
                .map(s -> s.name() + "=" + settings.get(s.name())).collect(Collectors.joining(", ")));
        return store;
    }
}
