package io.lanyard.testsupport;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * A real Redis Cluster for tests: {@code masters} masters, each with {@code replicasPerMaster}
 * replicas, every node a {@link RedisServer} process on a free loopback port, all from
 * {@link RedisServer#binary()}. Built by hand with {@code CLUSTER ADDSLOTS / MEET / REPLICATE}
 * (no {@code redis-cli}), so it works with any binary the other tests use.
 *
 * <pre>
 * try (RedisCluster cluster = RedisCluster.start(3, 1)) {
 *     settings.setRedisUri(cluster.uri());          // redis-cluster://127.0.0.1:p1,...
 *     cluster.migrateSlot(slot, target, batch -> { ... traffic between MIGRATE batches ... });
 * }
 * </pre>
 */
public final class RedisCluster implements AutoCloseable {
    public static final int SLOTS = 16384;

    /** One node: its process and its cluster node id. */
    public record Node(RedisServer server, String id) {
        public int port() {
            return server.port();
        }

        /** A new admin connection to this node; close it. */
        public Jedis admin() {
            return server.jedis();
        }
    }

    private final List<Node> masters = new ArrayList<>();
    private final List<Node> replicas = new ArrayList<>();

    private RedisCluster() {
    }

    /** Starts and forms a cluster; returns once every node reports {@code cluster_state:ok}. */
    public static RedisCluster start(int masters, int replicasPerMaster) {
        RedisCluster cluster = new RedisCluster();
        try {
            cluster.form(masters, replicasPerMaster);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void form(int masterCount, int replicasPerMaster) {
        int total = masterCount * (1 + replicasPerMaster);
        List<Node> all = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            RedisServer server = RedisServer.start("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", "3000", "--cluster-require-full-coverage", "yes");
            String id;
            try (Jedis j = server.jedis()) {
                id = j.clusterMyId();
            }
            Node node = new Node(server, id);
            all.add(node);
            (i < masterCount ? masters : replicas).add(node);
        }
        for (int m = 0; m < masterCount; m++) {
            int from = m * SLOTS / masterCount;
            int to = (m + 1) * SLOTS / masterCount; // exclusive
            int[] slots = new int[to - from];
            for (int s = from; s < to; s++) {
                slots[s - from] = s;
            }
            try (Jedis j = masters.get(m).admin()) {
                j.clusterAddSlots(slots);
                // Distinct epochs up front, as redis-cli does, so no epoch collision has to be resolved.
                j.clusterSetConfigEpoch(m + 1);
            }
        }
        try (Jedis first = all.get(0).admin()) {
            for (Node n : all.subList(1, all.size())) {
                first.clusterMeet("127.0.0.1", n.port());
            }
        }
        Await.until(Duration.ofSeconds(30), "all " + total + " nodes know each other", () -> all.stream().allMatch(n -> {
            try (Jedis j = n.admin()) {
                String nodes = j.clusterNodes();
                return nodes.lines().count() == total && !nodes.contains("handshake") && !nodes.contains("noaddr");
            } catch (JedisException notYet) {
                return false;
            }
        }));
        for (int r = 0; r < replicas.size(); r++) {
            Node master = masters.get(r % masterCount);
            try (Jedis j = replicas.get(r).admin()) {
                j.clusterReplicate(master.id());
            }
        }
        Await.until(Duration.ofSeconds(60), "cluster_state:ok on every node and replicas in sync", () -> all.stream().allMatch(n -> {
            try (Jedis j = n.admin()) {
                if (!j.clusterInfo().contains("cluster_state:ok")) {
                    return false;
                }
                return masters.contains(n) || j.info("replication").contains("master_link_status:up");
            } catch (JedisException notYet) {
                return false;
            }
        }));
    }

    /** {@code redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...} naming every master (seed nodes). */
    public String uri() {
        StringJoiner j = new StringJoiner(",", "redis-cluster://", "");
        masters.forEach(m -> j.add("127.0.0.1:" + m.port()));
        return j.toString();
    }

    public List<Node> masters() {
        return List.copyOf(masters);
    }

    public List<Node> replicas() {
        return List.copyOf(replicas);
    }

    /** The master currently serving {@code slot}, according to the first master's view. */
    public Node masterOf(int slot) {
        try (Jedis j = masters.get(0).admin()) {
            for (String line : j.clusterNodes().split("\n")) {
                String[] f = line.trim().split(" ");
                if (f.length < 9 || !f[2].contains("master")) {
                    continue;
                }
                for (int i = 8; i < f.length; i++) {
                    if (f[i].startsWith("[")) {
                        continue; // an open migration, not ownership
                    }
                    String[] range = f[i].split("-");
                    int lo = Integer.parseInt(range[0]);
                    int hi = range.length > 1 ? Integer.parseInt(range[1]) : lo;
                    if (slot >= lo && slot <= hi) {
                        return masters.stream().filter(m -> m.id().equals(f[0])).findFirst()
                                .orElseThrow(() -> new IllegalStateException("unknown node " + f[0]));
                    }
                }
            }
        }
        throw new IllegalStateException("no master serves slot " + slot);
    }

    /** Called between MIGRATE batches of {@link #migrateSlot}, with the number of keys still on the source. */
    @FunctionalInterface
    public interface Between {
        void run(long keysLeftOnSource) throws Exception;
    }

    /**
     * Moves {@code slot} to {@code target} the way {@code redis-cli --cluster reshard} does:
     * {@code SETSLOT IMPORTING} on the target, {@code SETSLOT MIGRATING} on the source, then
     * {@code MIGRATE} one key at a time (calling {@code between} after each, so a test can drive
     * traffic while the slot is half-moved and clients get {@code ASK}), and finally
     * {@code SETSLOT NODE} on every master (clients get {@code MOVED}).
     *
     * @return how many keys were migrated
     */
    public int migrateSlot(int slot, Node target, Between between) throws Exception {
        Node source = masterOf(slot);
        if (source.equals(target)) {
            throw new IllegalArgumentException("slot " + slot + " is already on " + target.port());
        }
        int moved = 0;
        try (Jedis src = source.admin(); Jedis dst = target.admin()) {
            dst.clusterSetSlotImporting(slot, source.id());
            src.clusterSetSlotMigrating(slot, target.id());
            while (true) {
                List<String> keys = src.clusterGetKeysInSlot(slot, 1);
                if (keys.isEmpty()) {
                    break;
                }
                src.migrate("127.0.0.1", target.port(), keys.get(0), 0, 5000);
                moved++;
                between.run(src.clusterCountKeysInSlot(slot));
            }
            // Target first (as redis-cli does), so the new owner knows before the source says MOVED.
            dst.clusterSetSlotNode(slot, target.id());
            src.clusterSetSlotNode(slot, target.id());
        }
        for (Node m : masters) {
            if (!m.equals(source) && !m.equals(target)) {
                try (Jedis j = m.admin()) {
                    j.clusterSetSlotNode(slot, target.id());
                }
            }
        }
        return moved;
    }

    /** Total number of keys on all masters. */
    public long dbSize() {
        long n = 0;
        for (Node m : masters) {
            try (Jedis j = m.admin()) {
                n += j.dbSize();
            }
        }
        return n;
    }

    /** Stops every node (SIGKILL: tests need no persistence). */
    @Override
    public void close() {
        for (Node n : replicas) {
            n.server().close();
        }
        for (Node n : masters) {
            n.server().close();
        }
    }
}
