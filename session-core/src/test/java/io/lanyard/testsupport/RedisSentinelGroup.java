package io.lanyard.testsupport;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis Sentinel setup for tests: one master, one replica and three sentinels (quorum 2),
 * all processes from {@link RedisServer#binary()} on free loopback ports. Failure detection is
 * tuned short ({@code down-after-milliseconds}) so a failover takes seconds, not the 30 s default.
 *
 * <pre>
 * try (RedisSentinelGroup group = RedisSentinelGroup.start("mymaster")) {
 *     settings.setRedisUri(group.uri());   // redis-sentinel://127.0.0.1:s1,.../mymaster
 *     group.master().kill();              // kill -9; a sentinel promotes the replica
 * }
 * </pre>
 */
public final class RedisSentinelGroup implements AutoCloseable {
    /** Sentinel's {@code down-after-milliseconds}: how long the master must be silent to be declared down. */
    public static final int DOWN_AFTER_MILLIS = 1000;

    private final String masterName;
    private final List<RedisServer> dataNodes = new ArrayList<>();
    private final List<Sentinel> sentinels = new ArrayList<>();

    /** One sentinel process. */
    public static final class Sentinel implements AutoCloseable {
        private final int port;
        private final Path dir;
        private final Process process;

        private Sentinel(String masterName, int masterPort) throws IOException {
            this.port = RedisServer.freePort();
            this.dir = Files.createTempDirectory("lanyard-sentinel");
            Path conf = dir.resolve("sentinel.conf");
            // Sentinel needs a writable config file: it rewrites it with what it learns.
            Files.writeString(conf, String.join("\n",
                    "port " + port,
                    "bind 127.0.0.1",
                    "protected-mode no",
                    "dir " + dir,
                    "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 2",
                    "sentinel down-after-milliseconds " + masterName + " " + DOWN_AFTER_MILLIS,
                    "sentinel failover-timeout " + masterName + " 10000",
                    "sentinel parallel-syncs " + masterName + " 1",
                    ""), StandardCharsets.UTF_8);
            this.process = new ProcessBuilder(RedisServer.binary().toString(), conf.toString(), "--sentinel")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sentinel.log").toFile()).start();
        }

        public int port() {
            return port;
        }

        /** A new admin connection to this sentinel; close it. */
        public Jedis admin() {
            return RedisServer.connect(port);
        }

        /** The sentinel's log, for failure messages. */
        public String log() {
            try {
                return Files.readString(dir.resolve("sentinel.log"));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private RedisSentinelGroup(String masterName) {
        this.masterName = masterName;
    }

    /**
     * Starts master, replica and three sentinels, and returns once every sentinel sees the replica
     * and the two other sentinels (before that a failover could not be authorised).
     */
    public static RedisSentinelGroup start(String masterName) {
        RedisSentinelGroup group = new RedisSentinelGroup(masterName);
        try {
            group.launch();
            return group;
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        } catch (IOException e) {
            group.close();
            throw new IllegalStateException("cannot start the sentinel group", e);
        }
    }

    private void launch() throws IOException {
        RedisServer master = RedisServer.start();
        dataNodes.add(master);
        RedisServer replica = RedisServer.start("--replicaof", "127.0.0.1", String.valueOf(master.port()));
        dataNodes.add(replica);
        Await.until(Duration.ofSeconds(30), "the replica is in sync", () -> {
            try (Jedis j = replica.jedis()) {
                return j.info("replication").contains("master_link_status:up");
            } catch (JedisException notYet) {
                return false;
            }
        });
        for (int i = 0; i < 3; i++) {
            sentinels.add(new Sentinel(masterName, master.port()));
        }
        Await.until(Duration.ofSeconds(60), "every sentinel knows the replica and the other sentinels", () -> sentinels.stream().allMatch(s -> {
            try (Jedis j = s.admin()) {
                Map<String, String> m = j.sentinelMaster(masterName);
                return "2".equals(m.get("num-other-sentinels")) && "1".equals(m.get("num-slaves"))
                        && "master".equals(m.get("flags"));
            } catch (JedisException notYet) {
                return false; // a sentinel still starting
            }
        }));
    }

    /** {@code redis-sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/<masterName>} */
    public String uri() {
        StringJoiner j = new StringJoiner(",", "redis-sentinel://", "/" + masterName);
        sentinels.forEach(s -> j.add("127.0.0.1:" + s.port()));
        return j.toString();
    }

    public String masterName() {
        return masterName;
    }

    /** The data node that is master now, according to the sentinels' majority view. */
    public RedisServer master() {
        int port = masterPort();
        return dataNodes.stream().filter(n -> n.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("sentinels name an unknown master port " + port));
    }

    /** The master's port as the first reachable sentinel reports it. */
    public int masterPort() {
        for (Sentinel s : sentinels) {
            try (Jedis j = s.admin()) {
                return Integer.parseInt(j.sentinelGetMasterAddrByName(masterName).get(1));
            } catch (RuntimeException e) {
                // try the next sentinel
            }
        }
        throw new IllegalStateException("no sentinel answers");
    }

    /** The two data nodes (initial master first, then the initial replica). */
    public List<RedisServer> dataNodes() {
        return List.copyOf(dataNodes);
    }

    public List<Sentinel> sentinels() {
        return List.copyOf(sentinels);
    }

    /** The sentinels' logs, for assertion messages. */
    public String sentinelLogs() {
        StringBuilder sb = new StringBuilder();
        sentinels.forEach(s -> sb.append("--- sentinel ").append(s.port()).append('\n').append(s.log()));
        return sb.toString();
    }

    @Override
    public void close() {
        sentinels.forEach(Sentinel::close);
        dataNodes.forEach(RedisServer::close);
    }
}
