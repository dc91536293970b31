package io.lanyard.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The one-command demo ({@code ./demo.sh}): Redis, one Tomcat node and one Jetty node serving the same shop.war
 * with their sessions in Redis through the Lanyard adapters, and a round-robin, non-sticky balancer in front.
 *
 * <p>Design notes. Everything runs in this one JVM, each part on its own loopback port. This launcher is the only
 * code that knows about containers and adapters: the webapp is the unmodified shop.war, and the Tomcat node
 * loads the real drop-in jar in its own class loader, as {@code $CATALINA_BASE/lib} would. Redis is the one
 * named by {@code --redis-uri}, {@code LANYARD_REDIS_URI} or {@code REDIS_URL}, else an embedded redis-server
 * (the embedded-redis jar carries the binary, nothing to install). Ctrl-C (or SIGTERM) stops the parts in reverse
 * order of their start: balancer, nodes (their shop stops its order worker), Redis.
 *
 * <pre>
 * java -cp sample-webapp/target/demo-classes:$(cat sample-webapp/target/demo-classpath.txt) io.lanyard.demo.DemoLauncher \
 *      --war sample-webapp/target/shop.war --tomcat-adapter sample-webapp/target/demo-lib/lanyard-tomcat.jar [--port 8080]
 * </pre>
 */
public final class DemoLauncher {
    /** Printed once everything is up; the browser test waits for it. */
    static final String READY = "Lanyard demo ready:";
    private static final String USAGE = """
            Usage: ./demo.sh [options]
              --port N             balancer port (default 8080; 0 picks a free one)
              --host ADDRESS       address to listen on (default 127.0.0.1)
              --tomcat-port N      Tomcat node port (default: a free one)
              --jetty-port N       Jetty node port (default: a free one)
              --redis-uri URI      use this Redis (default: $LANYARD_REDIS_URI, $REDIS_URL, else an embedded one)
              --war PATH           shop.war to serve
              --tomcat-adapter P   the lanyard-tomcat drop-in jar
            """;
    /** Strong references: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static Logger[] quiet;

    private final Deque<Part> started = new ArrayDeque<>();
    private Path workDir;

    public static void main(String[] args) throws Exception {
        configureLogging();
        Map<String, String> opts;
        try {
            opts = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (opts.containsKey("help")) {
            System.out.print(USAGE);
            return;
        }
        DemoLauncher demo = new DemoLauncher();
        try {
            demo.start(opts);
        } catch (StartupException e) {
            System.err.println();
            System.err.println("Lanyard demo: " + e.getMessage());
            demo.stop();
            System.exit(1);
            return;
        } catch (Exception e) {
            System.err.println();
            System.err.println("Lanyard demo failed to start: " + e);
            e.printStackTrace();
            demo.stop();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println();
            System.out.println("Stopping the Lanyard demo...");
            demo.stop();
            System.out.println("Lanyard demo stopped.");
        }, "demo-shutdown"));
        new CountDownLatch(1).await(); // until Ctrl-C
    }

    private void start(Map<String, String> opts) throws Exception {
        String host = opts.getOrDefault("host", "127.0.0.1");
        int port = intOption(opts, "port", 8080);
        Path war = existing(opts, "war", Path.of("sample-webapp/target/shop.war"));
        Path adapter = existing(opts, "tomcat-adapter", Path.of("sample-webapp/target/demo-lib/lanyard-tomcat.jar"));
        checkPortFree(host, port);
        workDir = Files.createTempDirectory("lanyard-demo");

        String redisUri = firstNonBlank(opts.get("redis-uri"), System.getenv("LANYARD_REDIS_URI"), System.getenv("REDIS_URL"));
        String redisLabel;
        if (redisUri == null) {
            EmbeddedRedis redis = EmbeddedRedis.start();
            started.push(redis);
            redisUri = redis.uri();
            redisLabel = "embedded redis-server " + redisUri;
        } else {
            redisLabel = mask(redisUri);
        }
        System.out.println("Lanyard demo: Redis " + redisLabel);

        TomcatNode tomcat = new TomcatNode("tomcat-1", host, intOption(opts, "tomcat-port", 0), war, adapter, redisUri, workDir);
        started.push(tomcat);
        System.out.println("Lanyard demo: tomcat-1 serves /shop on port " + tomcat.port());
        JettyNode jetty = new JettyNode("jetty-1", host, intOption(opts, "jetty-port", 0), war, redisUri, workDir);
        started.push(jetty);
        System.out.println("Lanyard demo: jetty-1 serves /shop on port " + jetty.port());

        Map<String, String> members = new LinkedHashMap<>();
        members.put("tomcat-1", "http://" + host + ":" + tomcat.port());
        members.put("jetty-1", "http://" + host + ":" + jetty.port());
        Balancer balancer;
        try {
            balancer = new Balancer(host, port, members);
        } catch (IOException e) {
            throw new StartupException(busyMessage(port), e);
        }
        started.push(balancer);

        String shown = "0.0.0.0".equals(host) ? "localhost" : host;
        System.out.println();
        System.out.println(READY + " open http://" + shown + ":" + balancer.port() + "/shop/");
        System.out.println("  balancer  http://" + shown + ":" + balancer.port() + "/shop/   (round robin, not sticky)");
        members.forEach((name, url) -> System.out.printf(Locale.ROOT, "  %-9s %s/shop/%n", name, url));
        System.out.println("  Sign in, pick a currency and theme, fill the cart, reload: the badge alternates between");
        System.out.println("  tomcat-1 and jetty-1 and nothing is lost. Press Ctrl-C to stop.");
        System.out.flush();
    }

    /** Stops whatever was started, newest first; never throws. */
    synchronized void stop() {
        while (!started.isEmpty()) {
            Part part = started.pop();
            long t0 = System.nanoTime();
            try {
                part.close();
                System.out.printf(Locale.ROOT, "Lanyard demo: stopped %s (%d ms)%n", part, (System.nanoTime() - t0) / 1_000_000);
            } catch (Exception e) {
                System.err.println("Lanyard demo: stopping " + part.getClass().getSimpleName() + " failed: " + e);
            }
        }
        if (workDir != null) {
            try (Stream<Path> files = Files.walk(workDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp directory left behind is harmless
            }
            workDir = null;
        }
    }

    private static void checkPortFree(String host, int port) throws StartupException {
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        } catch (IOException e) {
            throw new StartupException(busyMessage(port), e);
        }
    }

    private static String busyMessage(int port) {
        return "port " + port + " is already in use. Stop what is listening there, or choose another port: "
                + "./demo.sh --port " + (port == 8080 ? 9090 : port + 1);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                opts.put("help", "");
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + a);
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("missing value for " + a);
            }
            if (!USAGE.contains("--" + name + " ")) {
                throw new IllegalArgumentException("unknown option: --" + name);
            }
            opts.put(name, value);
        }
        return opts;
    }

    private static int intOption(Map<String, String> opts, String name, int fallback) {
        String v = opts.get(name);
        try {
            int port = v == null ? fallback : Integer.parseInt(v);
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a port number, not " + v);
        }
    }

    private static Path existing(Map<String, String> opts, String name, Path fallback) throws StartupException {
        Path p = opts.containsKey(name) ? Path.of(opts.get(name)) : fallback;
        if (!Files.isRegularFile(p)) {
            throw new StartupException(p + " does not exist; build it with ./mvnw -B package -DskipTests", null);
        }
        return p.toAbsolutePath();
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    static String mask(String uri) {
        return uri.replaceFirst("//[^@/]*@", "//***@");
    }

    /** Must run before anything touches java.util.logging. */
    private static void configureLogging() {
        System.setProperty("java.util.logging.manager", LogManagerForShutdown.class.getName());
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s [%3$s] %5$s%6$s%n");
        }
        // Container start-up chatter off; Lanyard's and the shop's own lines stay.
        quiet = new Logger[] {Logger.getLogger("org.apache"), Logger.getLogger("org.eclipse.jetty")};
        for (Logger l : quiet) {
            l.setLevel(Level.WARNING);
        }
    }

    /**
     * The JDK's LogManager closes all handlers in its own shutdown hook, racing ours: the nodes' last log lines
     * (order worker stopped, session store closed) would vanish. This one ignores that reset; the JVM flushes
     * the console handler's stream anyway.
     */
    public static final class LogManagerForShutdown extends java.util.logging.LogManager {
        @Override
        public void reset() {
            if (!Thread.currentThread().getClass().getName().startsWith("java.util.logging.LogManager$")) {
                super.reset();
            }
        }
    }

    /** Something the launcher started and stops again (not AutoCloseable: nothing here is try-with-resources). */
    interface Part {
        void close() throws Exception;
    }

    /** A start-up problem the user can fix; shown without a stack trace. */
    static final class StartupException extends Exception {
        StartupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
