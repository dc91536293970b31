package io.lanyard.bench.e2e;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.Manager;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.IntrospectionUtils;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.redisson.config.Config;
import org.redisson.tomcat.RedissonSessionManager;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.serializer.JdkSerializationRedisSerializer;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.web.http.SessionRepositoryFilter;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * One server under test, in its own JVM: {@code ServerMain <configuration> <httpPort> <redisUri> <workDir>}.
 * Every configuration serves {@link ShopServlet} at {@code /shop}; only the session store differs.
 * Lanyard's adapters are configured by property name, exactly as {@code context.xml} / Jetty XML
 * would (so this module builds before the adapters exist). Runs until killed (SIGTERM stops cleanly).
 */
public final class ServerMain {
    static final int SESSION_TIMEOUT_MINUTES = 30;
    static final String ALLOWED = "io.lanyard.bench.**";

    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Configuration cfg = Configuration.valueOf(args[0]);
        int port = Integer.parseInt(args[1]);
        URI redis = URI.create(args[2]);
        Path work = Path.of(args[3]).toAbsolutePath();
        Files.createDirectories(work);
        AutoCloseable server = cfg.isJetty() ? jetty(cfg, port, redis) : tomcat(cfg, port, redis, work);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }));
        System.out.println("READY " + cfg + " on " + port);
        System.out.flush();
        stopped.await();
    }

    private static AutoCloseable tomcat(Configuration cfg, int port, URI redis, Path work) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(work.toString());
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        // Keep connections open like Jetty does (Tomcat's default closes each after 100 requests).
        tomcat.getConnector().setProperty("maxKeepAliveRequests", "-1");
        tomcat.getHost().setAutoDeploy(false);
        Path docBase = Files.createDirectories(work.resolve("docbase"));
        Context ctx = tomcat.addContext("/shop", docBase.toString());
        ctx.setSessionTimeout(SESSION_TIMEOUT_MINUTES);
        Tomcat.addServlet(ctx, "shop", new ShopServlet());
        ctx.addServletMapping("/*", "shop");
        AutoCloseable extra = () -> { };
        switch (cfg) {
            case TOMCAT_MEMORY -> ctx.setManager(memoryManager());
            case TOMCAT_FLOOR -> {
                ctx.setManager(memoryManager());
                FloorFilter floor = new FloorFilter(redis);
                addFilter(ctx, "floor", floor);
                extra = floor;
            }
            case TOMCAT_LANYARD -> {
                Manager m = (Manager) Class.forName("io.lanyard.tomcat.RedisSessionManager").getDeclaredConstructor().newInstance();
                // Exactly what <Manager redisUri=".." allowedClasses=".."/> in context.xml does.
                set(m, "redisUri", redis.toString());
                set(m, "allowedClasses", ALLOWED);
                ctx.setManager(m);
            }
            case TOMCAT_REDISSON_DEFAULT, TOMCAT_REDISSON_AFTER_REQUEST -> {
                RedissonSessionManager m = new RedissonSessionManager();
                Config config = new Config();
                config.useSingleServer().setAddress(redis.toString());
                m.setConfig(config);
                m.setReadMode("REDIS");
                m.setUpdateMode(cfg == Configuration.TOMCAT_REDISSON_DEFAULT ? "DEFAULT" : "AFTER_REQUEST");
                ctx.setManager(m);
            }
            case TOMCAT_SPRING_SESSION -> {
                ctx.setManager(memoryManager()); // never used: the filter wraps every request
                LettuceConnectionFactory factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.getHost(), redis.getPort()));
                factory.afterPropertiesSet();
                factory.start();
                RedisTemplate<String, Object> template = new RedisTemplate<>();
                template.setConnectionFactory(factory);
                // The serializers Spring Session's own configuration installs.
                template.setKeySerializer(RedisSerializer.string());
                template.setHashKeySerializer(RedisSerializer.string());
                JdkSerializationRedisSerializer jdk = new JdkSerializationRedisSerializer(ServerMain.class.getClassLoader());
                template.setValueSerializer(jdk);
                template.setHashValueSerializer(jdk);
                template.afterPropertiesSet();
                RedisSessionRepository repository = new RedisSessionRepository(template);
                repository.setDefaultMaxInactiveInterval(Duration.ofMinutes(SESSION_TIMEOUT_MINUTES));
                addFilter(ctx, "springSessionRepositoryFilter", new SessionRepositoryFilter<>(repository));
                extra = factory::destroy;
            }
            default -> throw new IllegalArgumentException(cfg.toString());
        }
        tomcat.start();
        AutoCloseable extraRef = extra;
        return () -> {
            tomcat.stop();
            tomcat.destroy();
            extraRef.close();
        };
    }

    private static StandardManager memoryManager() {
        StandardManager m = new StandardManager();
        m.setPathname(null); // no SESSIONS.ser on stop
        return m;
    }

    private static void addFilter(Context ctx, String name, Filter filter) {
        FilterDef def = new FilterDef();
        def.setFilterName(name);
        def.setFilter(filter);
        ctx.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName(name);
        map.addURLPattern("/*");
        ctx.addFilterMap(map);
    }

    private static void set(Object bean, String property, String value) {
        if (!IntrospectionUtils.setProperty(bean, property, value)) {
            throw new IllegalStateException(bean.getClass().getName() + " has no property " + property);
        }
    }

    private static AutoCloseable jetty(Configuration cfg, int port, URI redis) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(200);
        Server server = new Server(pool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler ctx = new ServletContextHandler(ServletContextHandler.SESSIONS);
        ctx.setContextPath("/shop");
        ctx.getSessionHandler().setMaxInactiveInterval(SESSION_TIMEOUT_MINUTES * 60);
        ctx.addServlet(new ServletHolder(new ShopServlet()), "/*");
        server.setHandler(ctx);
        AutoCloseable extra = () -> { };
        if (cfg == Configuration.JETTY_FLOOR) {
            FloorFilter floor = new FloorFilter(redis);
            ctx.addFilter(new org.eclipse.jetty.ee10.servlet.FilterHolder(floor), "/*", java.util.EnumSet.of(jakarta.servlet.DispatcherType.REQUEST));
            extra = floor;
        }
        if (cfg == Configuration.JETTY_LANYARD) {
            Object factory = Class.forName("io.lanyard.jetty.RedisSessionDataStoreFactory").getDeclaredConstructor().newInstance();
            invokeSetter(factory, "setRedisUri", redis.toString());
            invokeSetter(factory, "setAllowedClasses", ALLOWED);
            server.addBean(factory);
            // What the session-store-redis module selects: the hash cache with eviction on session
            // exit (never a stale copy after another node wrote), saved before the response commits.
            server.addBean(Class.forName("io.lanyard.jetty.LanyardSessionCacheFactory").getDeclaredConstructor().newInstance());
        }
        server.start();
        AutoCloseable extraRef = extra;
        return () -> {
            server.stop();
            extraRef.close();
        };
    }

    private static void invokeSetter(Object bean, String name, String value) throws Exception {
        Method m = bean.getClass().getMethod(name, String.class);
        m.invoke(bean, value);
    }

    /**
     * The floor: the in-memory server plus the Redis round trips a consistent store cannot avoid,
     * each a pooled Jedis {@code GET} of a value as large as the session (written by {@link E2e}):
     * one for a read-only request, two (load, then save) for a request that writes.
     */
    static final class FloorFilter implements Filter, AutoCloseable {
        static final String KEY = "lanyard-bench:floor";
        private final RedisClient client;

        FloorFilter(URI redis) {
            ConnectionPoolConfig pool = new ConnectionPoolConfig();
            pool.setMaxTotal(32);
            pool.setMaxIdle(32);
            client = RedisClient.builder().hostAndPort(new HostAndPort(redis.getHost(), redis.getPort())).poolConfig(pool).build();
        }

        @Override
        public void doFilter(ServletRequest req, ServletResponse resp, FilterChain chain) throws IOException, ServletException {
            client.get(KEY);
            chain.doFilter(req, resp);
            if (!((jakarta.servlet.http.HttpServletRequest) req).getRequestURI().endsWith(Workload.READ.path())) {
                client.get(KEY);
            }
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
