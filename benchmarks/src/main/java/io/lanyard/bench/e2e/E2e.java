package io.lanyard.bench.e2e;

import io.lanyard.bench.Params;
import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The end-to-end load benchmark: rounds of all configurations, alternating (A B C … A B C …, the
 * order rotated each round), one fresh server JVM per configuration and round, the same Redis
 * (flushed before each configuration), the same wrk settings. Commands per request come from a
 * separate MONITOR phase (MONITOR slows Redis, so it never overlaps a timed run).
 */
public final class E2e {
    /** One timed wrk run. */
    /** One timed wrk run; {@code redisWritesPerRequest}: Redis's own change counter ({@code rdb_changes_since_last_save}) delta / requests. */
    public record Cell(Configuration cfg, int round, Workload workload, Wrk.Result wrk, double bytesToRedisPerRequest,
                       double bytesFromRedisPerRequest, double serverCpuMicrosPerRequest, double redisCpuMicrosPerRequest,
                       double redisWritesPerRequest) {
    }

    /** Commands the node sent per request (MONITOR, script-internal lines ignored). */
    public record Count(Configuration cfg, Workload workload, double commandsPerRequest, String breakdown, int requests) {
    }

    /** One real session of a store as it sits in Redis, for the scale benchmark. */
    public record Capture(Configuration cfg, String key, String id, byte[] dump, long memoryUsage, String encoding,
                          double keysPerSession, double usedMemoryPerSession, int sessions) {
    }

    /** Everything measured. */
    public record Results(List<Cell> cells, List<Count> counts, Map<Configuration, Boolean> mutationPersisted,
                         List<RawRedis.Result> raw, Map<Configuration, Capture> captures, List<Configuration> configs,
                         Map<Configuration, String> notMeasured) {
    }

    private final Params params;
    private final RedisServer redis;
    private final Path work;
    private final Consumer<String> log;

    public E2e(Params params, RedisServer redis, Path work, Consumer<String> log) {
        this.params = params;
        this.redis = redis;
        this.work = work;
        this.log = log;
    }

    public Results run(List<Configuration> requested) throws Exception {
        List<Configuration> configs = new ArrayList<>();
        Map<Configuration, String> notMeasured = new LinkedHashMap<>();
        for (Configuration c : requested) {
            String cls = c.requiredClass();
            if (cls != null && !classPresent(cls)) {
                notMeasured.put(c, cls + " is not on the class path (adapter not built)");
                log.accept("SKIP " + c + ": " + notMeasured.get(c));
            } else {
                configs.add(c);
            }
        }
        Wrk wrk = new Wrk(work, params.connections());
        List<Cell> cells = new ArrayList<>();
        List<Count> counts = new ArrayList<>();
        Map<Configuration, Boolean> persisted = new LinkedHashMap<>();
        Map<Configuration, Capture> captures = new LinkedHashMap<>();
        List<RawRedis.Result> raw = new ArrayList<>();
        try (RedisClient admin = RedisClient.create(redis.host(), redis.port())) {
            long redisPid = info(admin, "server").get("process_id");
            for (int round = 1; round <= params.rounds(); round++) {
                admin.flushAll();
                RawRedis.Result r = RawRedis.measure(redis.uri(), round, params.connections(), params.rawSeconds());
                raw.add(r);
                log.accept(String.format("round %d raw Redis: PING %.0f/s, EVALSHA_RO(load.lua) %.0f/s; session %d bytes", round, r.pingPerSecond(),
                        r.evalPerSecond(), r.sessionBytes()));
                List<Configuration> order = new ArrayList<>(configs);
                Collections.rotate(order, -(round - 1));
                // The floor reads a value as large as the session (the store's whole hash).
                String floorValue = "x".repeat(r.sessionBytes());
                for (Configuration cfg : order) {
                    admin.flushAll();
                    admin.set(ServerMain.FloorFilter.KEY, floorValue);
                    long usedBefore = usedMemory(admin);
                    try (ServerProcess server = ServerProcess.start(cfg, redis.uri(), work, cfg + "-r" + round, List.of())) {
                        Sessions http = new Sessions(server.port());
                        List<String> cookies = http.login(params.sessions());
                        Path cookieFile = work.resolve(cfg + "-r" + round + "-cookies.txt");
                        Files.write(cookieFile, cookies);
                        if (round == 1) {
                            if (cfg.sessionsInRedis()) {
                                captures.put(cfg, capture(admin, cfg, cookies, usedBefore));
                            }
                            countCommands(cfg, http, cookies, counts);
                            persisted.put(cfg, mutationPersisted(http, cookies.get(cookies.size() - 1)));
                        }
                        StringBuilder warm = new StringBuilder();
                        for (Workload w : Workload.values()) {
                            // New sessions pile up in the in-memory stores' heaps (30-minute timeout), which
                            // slows them down the longer they run: that workload gets one second, as before.
                            int min = w.withSession() ? (int) params.warmupSeconds() : 1;
                            int max = w.withSession() ? params.warmupMaxSeconds() : 1;
                            warm.append(' ').append(w).append(' ').append(wrk.warmUp(server.port(), w.path(),
                                    w.withSession() ? cookieFile : null, min, max)).append(" s");
                        }
                        log.accept(String.format("round %d %-30s warm-up:%s", round, cfg, warm));
                        // Workload order rotates per round too, so no workload is always measured first.
                        List<Workload> workloads = new ArrayList<>(List.of(Workload.values()));
                        Collections.rotate(workloads, -(round - 1));
                        for (Workload w : workloads) {
                            Path cf = w.withSession() ? cookieFile : null;
                            if (params.cellWarmupSeconds() > 0) {
                                wrk.run(server.port(), w.path(), cf, params.cellWarmupSeconds());
                            }
                            Map<String, Long> before = netStats(admin);
                            long changes0 = redisChanges(admin);
                            long serverCpu0 = cpuMicros(server.pid());
                            long redisCpu0 = cpuMicros(redisPid);
                            Wrk.Result res = wrk.run(server.port(), w.path(), cf, params.cellSeconds());
                            long serverCpu1 = cpuMicros(server.pid());
                            long redisCpu1 = cpuMicros(redisPid);
                            Map<String, Long> after = netStats(admin);
                            double n = res.requests();
                            double in = (after.get("total_net_input_bytes") - before.get("total_net_input_bytes")) / n;
                            double out = (after.get("total_net_output_bytes") - before.get("total_net_output_bytes")) / n;
                            double writes = (redisChanges(admin) - changes0) / n;
                            cells.add(new Cell(cfg, round, w, res, cfg.usesRedis() ? in : Double.NaN, cfg.usesRedis() ? out : Double.NaN,
                                    (serverCpu1 - serverCpu0) / n, (redisCpu1 - redisCpu0) / n, cfg.usesRedis() ? writes : Double.NaN));
                            log.accept(String.format("round %d %-30s %-14s %8.0f req/s p50 %6.0f us p99 %7.0f us errors %d",
                                    round, cfg, w, res.throughput(), res.p50Micros(), res.p99Micros(), res.errors()));
                            if (res.errors() > res.requests() / 100) {
                                log.accept("WARNING: " + res.errors() + " errors in " + cfg + " " + w + "; server log " + server.log());
                            }
                        }
                    } catch (IOException e) {
                        log.accept("FAILED " + cfg + " round " + round + ": " + e.getMessage());
                        notMeasured.putIfAbsent(cfg, "failed in round " + round + ": " + e.getMessage());
                    }
                }
            }
        }
        return new Results(cells, counts, persisted, raw, captures, configs, notMeasured);
    }

    static boolean classPresent(String name) {
        try {
            Class.forName(name, false, E2e.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private void countCommands(Configuration cfg, Sessions http, List<String> cookies, List<Count> counts) throws Exception {
        int n = Math.min(params.monitorRequests(), cookies.size());
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            for (Workload w : Workload.values()) {
                // Untimed warm-up first so one-off work (script loading, lazy connections, a store's first
                // touch of a session after its creation) is not counted: the steady state, as in the timed runs.
                for (int i = 0; i < (w.withSession() ? n : 1); i++) {
                    http.get(w.path(), w.withSession() ? cookies.get(i) : null);
                }
                monitor.clear();
                for (int i = 0; i < n; i++) {
                    HttpResponse<String> r = http.get(w.path(), w.withSession() ? cookies.get(i) : null);
                    if (r.statusCode() != 200) {
                        throw new IOException(cfg + " " + w + " answered " + r.statusCode());
                    }
                }
                List<String> lines = monitor.clientCommands();
                Map<String, Integer> byName = new TreeMap<>();
                for (String line : lines) {
                    byName.merge(commandName(line), 1, Integer::sum);
                }
                StringBuilder sb = new StringBuilder();
                byName.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.2f", v / (double) n)));
                counts.add(new Count(cfg, w, lines.size() / (double) n, sb.toString(), n));
                log.accept(String.format("count %-30s %-14s %.2f commands/request [%s]", cfg, w, lines.size() / (double) n, sb));
            }
        }
    }

    static String commandName(String monitorLine) {
        int q = monitorLine.indexOf('"');
        if (q < 0) {
            return "?";
        }
        int e = monitorLine.indexOf('"', q + 1);
        return monitorLine.substring(q + 1, e < 0 ? monitorLine.length() : e).toUpperCase(java.util.Locale.ROOT);
    }

    /** Two sequential in-place cart mutations: persisted when the second sees the first. */
    private static boolean mutationPersisted(Sessions http, String cookie) throws Exception {
        int a = Integer.parseInt(http.get("/shop/cart", cookie).body().trim());
        int b = Integer.parseInt(http.get("/shop/cart", cookie).body().trim());
        return b == a + 1;
    }

    private Capture capture(RedisClient admin, Configuration cfg, List<String> cookies, long usedBefore) {
        long usedAfter = usedMemory(admin);
        long keys = admin.dbSize() - 1; // minus the floor key
        String id = Sessions.storedId(cookies.get(0));
        String key = null;
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = admin.scan(cursor, new ScanParams().match("*" + id + "*").count(1000));
            for (String k : page.getResult()) {
                if (key == null || k.length() < key.length()) {
                    key = k;
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        if (key == null) {
            log.accept("no Redis key found for session " + id + " of " + cfg);
            return null;
        }
        byte[] dump = admin.dump(key.getBytes(StandardCharsets.UTF_8));
        Long usage = admin.memoryUsage(key, 0); // SAMPLES 0: every field, not an estimate from 5
        String encoding = admin.objectEncoding(key);
        int n = cookies.size();
        log.accept(String.format("layout %-30s key %s, %d bytes (MEMORY USAGE, %s), %.2f keys/session", cfg, key, usage, encoding, keys / (double) n));
        return new Capture(cfg, key, id, dump, usage == null ? -1 : usage, encoding, keys / (double) n,
                (usedAfter - usedBefore) / (double) n, n);
    }

    /** User + system CPU time of a process so far, from /proc (Linux), in microseconds; -1 when unknown. */
    static long cpuMicros(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
            return ticks * 10_000L; // USER_HZ = 100 on Linux
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long usedMemory(RedisClient admin) {
        return info(admin, "memory").get("used_memory");
    }

    /** Redis's own count of key modifications ({@code INFO persistence}); counted with persistence off too. */
    private static long redisChanges(RedisClient admin) {
        return info(admin, "persistence").get("rdb_changes_since_last_save");
    }

    private static Map<String, Long> netStats(RedisClient admin) {
        return info(admin, "stats");
    }

    static Map<String, Long> info(RedisClient admin, String section) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : admin.info(section).split("\r?\n")) {
            int c = line.indexOf(':');
            if (c > 0) {
                try {
                    m.put(line.substring(0, c), Long.parseLong(line.substring(c + 1).trim()));
                } catch (NumberFormatException e) {
                    // not a number
                }
            }
        }
        return m;
    }
}
