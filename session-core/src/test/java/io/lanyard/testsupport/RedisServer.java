package io.lanyard.testsupport;

import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real {@code redis-server} process on a free loopback port, for tests. Uses {@code redis-server}
 * from the PATH (or {@code $REDIS_SERVER}) when there is one, else the binary bundled in
 * embedded-redis 1.4.4 (Redis 6.2). Nothing is mocked.
 *
 * <pre>
 * try (RedisServer redis = RedisServer.start()) {
 *     settings.setRedisUri(redis.uri());
 *     ...
 *     assertTrue(redis.exists(key));
 *     try (Jedis jedis = redis.jedis()) {
 *         assertNull(jedis.hget(key, "a:cart"));
 *     }
 * }
 * </pre>
 */
public final class RedisServer implements AutoCloseable {
    private static volatile Path binary;

    private final int port;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(int port, Path dir, List<String> extraArgs) {
        this.port = port;
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    /** Starts a server with no persistence on a free port. */
    public static RedisServer start(String... extraArgs) {
        try {
            RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("lanyard-redis"), List.of(extraArgs));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
    }

    /** Path of the redis-server binary the tests use (for Cluster/Sentinel helpers). */
    public static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        String env = System.getenv("REDIS_SERVER");
        if (env != null && new File(env).canExecute()) {
            return binary = Path.of(env);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(dir, "redis-server");
            if (f.canExecute()) {
                return binary = f.toPath();
            }
        }
        return binary = extractEmbedded();
    }

    private static Path extractEmbedded() {
        String os = System.getProperty("os.name").toLowerCase();
        String arch = System.getProperty("os.arch").toLowerCase();
        String name;
        if (os.contains("linux")) {
            name = arch.contains("aarch64") || arch.contains("arm64") ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
        } else if (os.contains("mac")) {
            name = arch.contains("aarch64") ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        } else {
            throw new IllegalStateException("no redis-server on PATH and no bundled binary for " + os + "/" + arch
                    + "; install Redis (e.g. apt-get install redis-server)");
        }
        try (InputStream in = RedisServer.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on PATH and embedded-redis has no /" + name
                        + "; install Redis (e.g. apt-get install redis-server)");
            }
            Path out = Files.createTempFile("redis-server", "");
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            out.toFile().setExecutable(true);
            out.toFile().deleteOnExit();
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot extract the embedded redis-server", e);
        }
    }

    /** A free TCP port on 127.0.0.1. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void launch() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no", "--protected-mode", "no"));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile()).start();
        waitUntilReady();
    }

    private void waitUntilReady() {
        Await.until(Duration.ofSeconds(10), () -> "redis-server answers PING on port " + port + "; its log:\n" + log(), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("redis-server exited: " + log());
            }
            try (Jedis jedis = jedis()) {
                return "PONG".equals(jedis.ping());
            } catch (JedisException notYet) {
                return false; // not listening yet, or still loading its data
            }
        });
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** {@code redis://127.0.0.1:<port>} */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the process with SIGKILL (no shutdown save). */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the process again on the same port and directory (after {@link #kill()}). */
    public void restart() {
        kill();
        try {
            launch();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A new connection to this server; the caller closes it. Use it for data and admin commands in
     * tests: {@code try (Jedis j = redis.jedis()) { assertNull(j.get(key)); }}
     */
    public Jedis jedis() {
        return connect(port);
    }

    /**
     * Runs one call on a new connection and closes it, for one-liners:
     * {@code redis.call(Jedis::flushAll)}. Safe from any thread (each call has its own connection)
     * and across {@link #restart()}.
     */
    public <T> T call(Function<Jedis, T> call) {
        try (Jedis jedis = jedis()) {
            return call.apply(jedis);
        }
    }

    /** Whether {@code key} exists (one {@code EXISTS} on a new connection). */
    public boolean exists(String key) {
        return call(j -> j.exists(key));
    }

    /**
     * Fills this server (started with a {@code maxmemory} and {@code noeviction}) until a write of
     * even a few bytes is refused, from one connection that stays open until {@link Fill#close}
     * (closing a connection frees its buffers, which would make room again): blocks of 64 KiB, then
     * smaller ones, so what is left is less than any session write needs (the first refusal of a
     * 64 KiB write leaves up to about that much free: the refused command's own buffer counted).
     */
    public Fill fill() {
        return new Fill(jedis());
    }

    /** See {@link #fill()}; {@link #close} deletes what it wrote and closes its connection. */
    public static final class Fill implements AutoCloseable {
        private final Jedis jedis;
        private int keys;

        private Fill(Jedis jedis) {
            this.jedis = jedis;
            for (int size = 64 * 1024; size >= 16; size /= 8) {
                String block = "x".repeat(size);
                for (;;) {
                    try {
                        jedis.set("filler:" + keys, block);
                        keys++;
                    } catch (redis.clients.jedis.exceptions.JedisDataException e) {
                        if (!e.getMessage().startsWith("OOM")) {
                            throw e;
                        }
                        break;
                    }
                    if (keys > 100_000) {
                        throw new IllegalStateException("Redis never became full: no maxmemory?");
                    }
                }
            }
        }

        @Override
        public void close() {
            try {
                for (int i = 0; i < keys; i++) {
                    jedis.del("filler:" + i);
                }
            } finally {
                jedis.close();
            }
        }
    }

    /**
     * A new plain connection to a local Redis or Sentinel port (5 s timeouts); the caller closes it.
     * It speaks RESP2 and skips Jedis's {@code HELLO}/{@code CLIENT SETINFO} handshake, so it sends
     * exactly the commands a test asks for ({@link RedisMonitor} counts commands).
     */
    public static Jedis connect(int port) {
        return new Jedis("127.0.0.1", port, DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(5000).socketTimeoutMillis(5000)
                .autoNegotiateProtocol(false).clientSetInfoConfig(ClientSetInfoConfig.DISABLED).build());
    }

    @Override
    public void close() {
        kill();
        deleteTree(dir);
    }

    /** Deletes a test directory and everything below it (best effort). */
    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // leftover temp files are harmless
        }
    }
}
