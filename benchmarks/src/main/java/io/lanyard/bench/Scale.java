package io.lanyard.bench;

import io.lanyard.bench.e2e.Configuration;
import io.lanyard.bench.e2e.E2e;
import io.lanyard.bench.shop.ShopSession;
import io.lanyard.core.BenchAccess;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SaveResult;
import io.lanyard.core.SessionRecord;
import io.lanyard.testsupport.RedisServer;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Many live sessions in one Redis: memory per session for each store's layout (one real session
 * of each store, DUMPed and RESTOREd under fresh ids of the same length by a Lua loop, plus
 * Lanyard's expiry-index entry), Lanyard's load/save latency at 1k vs N sessions, and expiry
 * throughput ({@code store.scavenge} with a listener that reads the expired session).
 */
public final class Scale {
    public record LayoutMemory(String layout, String keyExample, int sessions, double bytesPerSession, long memoryUsageOfOneKey,
                               String encoding) {
    }

    /** Percentiles in microseconds, each the median over the rounds. */
    public record Latency(int sessions, int ops, double loadP50, double loadP99, double saveP50, double saveP99) {
    }

    /** Large over small, each the median of the per-round ratios. */
    public record LatencyRatio(int rounds, double loadP50, double loadP99, double saveP50, double saveP99) {
    }

    public record Expiry(int sessions, double seconds, double perSecond, int listenerCalls) {
    }

    public record Results(List<LayoutMemory> memory, List<Latency> latency, LatencyRatio ratio, Expiry expiry) {
    }

    private static final String TEMPLATE_ID = "0000000052D5A4E1B0C9F3A2D1E0F9A8";
    private static final int BATCH = 1000;

    private final Params params;
    private final Consumer<String> log;
    private final byte[] script;

    public Scale(Params params, Consumer<String> log) throws IOException {
        this.params = params;
        this.log = log;
        try (InputStream in = Scale.class.getResourceAsStream("/io/lanyard/bench/populate.lua")) {
            script = in.readAllBytes();
        }
    }

    public Results run(Map<Configuration, E2e.Capture> captures) throws Exception {
        List<LayoutMemory> memory = new ArrayList<>();
        List<Latency> latency;
        LatencyRatio ratio;
        Expiry expiry;
        try (RedisServer redis = RedisServer.start();
             // FLUSHALL of a million keys takes seconds: a generous read timeout for this admin client.
             RedisClient client = RedisClient.builder().hostAndPort(new HostAndPort(redis.host(), redis.port()))
                     .clientConfig(DefaultJedisClientConfig.builder().socketTimeoutMillis(300_000).build()).build()) {
            LanyardSettings settings = new LanyardSettings();
            settings.setRedisUri(redis.uri());
            settings.setAllowedClasses("io.lanyard.bench.**");
            settings.validate("/shop");
            try (RedisSessionStore store = RedisSessionStore.start(settings, Scale.class.getClassLoader(), java.time.Clock.systemUTC())) {
                // --- Lanyard: one real session written by the store, then copied.
                SessionRecord r = store.create(TEMPLATE_ID, 1800);
                ShopSession.populate(1, r::setAttribute);
                store.save(r);
                String key = store.sessionKey(TEMPLATE_ID);
                byte[] dump = client.dump(key.getBytes(StandardCharsets.UTF_8));
                long usage = client.memoryUsage(key, 0); // SAMPLES 0: every field
                String encoding = client.objectEncoding(key);
                long score = r.expiryTime();
                String prefix = key.substring(0, key.indexOf(TEMPLATE_ID));
                String suffix = key.substring(key.indexOf(TEMPLATE_ID) + TEMPLATE_ID.length());
                String indexPrefix = BenchAccess.indexKeyPrefix(settings);
                IntFunction<String> ids = i -> idFor(TEMPLATE_ID, i);
                IntFunction<String> shards = i -> Integer.toString(BenchAccess.shardOf(settings, ids.apply(i)));

                client.flushAll();
                long used0 = usedMemory(client);
                populate(client, dump, 1_800_000, prefix, suffix, indexPrefix, score, "", 0, params.scaleSessions(), ids, shards);
                long used1 = usedMemory(client);
                memory.add(new LayoutMemory("Lanyard (hash + expiry-index entry)", key, params.scaleSessions(),
                        (used1 - used0) / (double) params.scaleSessions(), usage, encoding));
                log.accept(String.format("scale Lanyard: %.0f bytes/session at %,d sessions", memory.get(0).bytesPerSession(), params.scaleSessions()));
                // The small population in database 1 of the same server: one process, so one CPU placement for both.
                try (RedisClient smallClient = RedisClient.builder().hostAndPort(new HostAndPort(redis.host(), redis.port()))
                        .clientConfig(DefaultJedisClientConfig.builder().database(1).build()).build()) {
                    populate(smallClient, dump, 1_800_000, prefix, suffix, indexPrefix, score, "", 0, params.scaleSmall(), ids, shards);
                }
                try (RedisSessionStore smallStore = latencyStore(redis.uri() + "/1");
                     RedisSessionStore largeStore = latencyStore(redis.uri())) {
                    Latencies measured = latency(smallStore, largeStore, ids);
                    latency = measured.each();
                    ratio = measured.ratio();
                }

                // --- peers: their real sessions captured in the end-to-end run.
                for (Configuration cfg : List.of(Configuration.TOMCAT_SPRING_SESSION, Configuration.TOMCAT_REDISSON_DEFAULT)) {
                    E2e.Capture c = captures.get(cfg);
                    if (c == null) {
                        log.accept("scale: no captured session for " + cfg);
                        continue;
                    }
                    int at = c.key().indexOf(c.id());
                    String p = c.key().substring(0, at);
                    String s = c.key().substring(at + c.id().length());
                    client.flushAll();
                    long u0 = usedMemory(client);
                    populate(client, c.dump(), 1_800_000, p, s, "", 0, "", 0, params.scaleSessions(), i -> idFor(c.id(), i), i -> "0");
                    long u1 = usedMemory(client);
                    String name = cfg == Configuration.TOMCAT_SPRING_SESSION ? "Spring Session (RedisSessionRepository)" : "Redisson (RedissonSessionManager)";
                    memory.add(new LayoutMemory(name, c.key(), params.scaleSessions(), (u1 - u0) / (double) params.scaleSessions(),
                            c.memoryUsage(), c.encoding()));
                    log.accept(String.format("scale %s: %.0f bytes/session", name, (u1 - u0) / (double) params.scaleSessions()));
                }

                // --- expiry: N already-expired Lanyard sessions in the index, one node scavenging.
                client.flushAll();
                long past = System.currentTimeMillis() - 60_000;
                populate(client, dump, 600_000, prefix, suffix, indexPrefix, past, Long.toString(past), 0, params.expirySessions(), ids, shards);
                AtomicInteger listener = new AtomicInteger();
                long t0 = System.nanoTime();
                int handled = 0;
                while (handled < params.expirySessions()) {
                    int n = store.scavenge(rec -> {
                        if (rec.getAttribute(ShopSession.CART) != null) {
                            listener.incrementAndGet();
                        }
                    });
                    if (n == 0) {
                        break;
                    }
                    handled += n;
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                expiry = new Expiry(handled, secs, handled / secs, listener.get());
                log.accept(String.format("scale expiry: %d sessions in %.1f s = %.0f/s", handled, secs, handled / secs));
            }
        }
        return new Results(memory, latency, ratio, expiry);
    }

    /** An id of the same length and alphabet as the template, distinct per i. */
    static String idFor(String template, int i) {
        return String.format("%08X", i) + template.substring(8);
    }

    private void populate(RedisClient client, byte[] dump, long ttl, String keyPrefix, String keySuffix, String indexPrefix,
                          long score, String expiryOverride, int from, int to, IntFunction<String> ids, IntFunction<String> shards) {
        for (int start = from; start < to; start += BATCH) {
            int end = Math.min(to, start + BATCH);
            List<byte[]> args = new ArrayList<>(7 + 2 * (end - start));
            args.add(dump);
            args.add(ascii(Long.toString(ttl)));
            args.add(utf8(keyPrefix));
            args.add(utf8(keySuffix));
            args.add(utf8(indexPrefix));
            args.add(ascii(Long.toString(score)));
            args.add(ascii(expiryOverride));
            for (int i = start; i < end; i++) {
                args.add(utf8(ids.apply(i)));
                args.add(ascii(shards.apply(i)));
            }
            client.eval(script, List.of(), args);
        }
    }

    private record Latencies(List<Latency> each, LatencyRatio ratio) {
    }

    /**
     * A store for the latency comparison: it holds nothing of the sessions it served
     * ({@code decodedValuesMaxBytes=0}), so every load reads the whole hash, as a load of a random
     * id among a million does; otherwise the small population, whose ids recur, would be measured
     * on the node's held copies and the large one on Redis.
     */
    private static RedisSessionStore latencyStore(String uri) {
        LanyardSettings settings = new LanyardSettings();
        settings.setRedisUri(uri);
        settings.setAllowedClasses("io.lanyard.bench.**");
        settings.setDecodedValuesMaxBytes(0);
        settings.validate("/shop");
        return RedisSessionStore.start(settings, Scale.class.getClassLoader(), java.time.Clock.systemUTC());
    }

    /**
     * Rounds that alternate between the small population (database 1) and the large one (database
     * 0) of one Redis, so that the machine's drift and noise fall on both alike; each round's percentiles, and their
     * large/small ratios, then the median of each over the rounds. One unrecorded round on each first.
     */
    private Latencies latency(RedisSessionStore smallStore, RedisSessionStore largeStore, IntFunction<String> ids) {
        int rounds = params.latencyRounds();
        int ops = params.latencyOps();
        Random rnd = new Random(42);
        round(smallStore, params.scaleSmall(), ids, rnd, ops);
        round(largeStore, params.scaleSessions(), ids, rnd, ops);
        List<List<Double>> small = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<List<Double>> large = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<List<Double>> ratios = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int round = 0; round < rounds; round++) {
            double[] s = round(smallStore, params.scaleSmall(), ids, rnd, ops);
            double[] l = round(largeStore, params.scaleSessions(), ids, rnd, ops);
            for (int k = 0; k < 4; k++) {
                small.get(k).add(s[k]);
                large.get(k).add(l[k]);
                ratios.get(k).add(l[k] / s[k]);
            }
        }
        Latency a = new Latency(params.scaleSmall(), ops, median(small, 0), median(small, 1), median(small, 2), median(small, 3));
        Latency b = new Latency(params.scaleSessions(), ops, median(large, 0), median(large, 1), median(large, 2), median(large, 3));
        LatencyRatio r = new LatencyRatio(rounds, median(ratios, 0), median(ratios, 1), median(ratios, 2), median(ratios, 3));
        for (Latency l : List.of(a, b)) {
            log.accept(String.format("scale latency at %,d sessions: load p50 %.0f us p99 %.0f us, save p50 %.0f us p99 %.0f us",
                    l.sessions(), l.loadP50(), l.loadP99(), l.saveP50(), l.saveP99()));
        }
        log.accept(String.format("scale latency large/small over %d rounds: load p50 %.2f p99 %.2f, save p50 %.2f p99 %.2f",
                rounds, r.loadP50(), r.loadP99(), r.saveP50(), r.saveP99()));
        return new Latencies(List.of(a, b), r);
    }

    private static double median(List<List<Double>> columns, int k) {
        return Stats.of(columns.get(k)).median();
    }

    /** {@code ops} load-and-save operations on random ids of the population: load p50, p99, save p50, p99 in microseconds. */
    private static double[] round(RedisSessionStore store, int population, IntFunction<String> ids, Random rnd, int ops) {
        long[] load = new long[ops];
        long[] save = new long[ops];
        for (int i = 0; i < ops; i++) {
            loadSave(store, ids.apply(rnd.nextInt(population)), load, save, i);
        }
        return new double[] {Stats.percentile(load, 50) / 1000, Stats.percentile(load, 99) / 1000,
                Stats.percentile(save, 50) / 1000, Stats.percentile(save, 99) / 1000};
    }

    private static void loadSave(RedisSessionStore store, String id, long[] load, long[] save, int i) {
        long t0 = System.nanoTime();
        SessionRecord r = store.load(id);
        long t1 = System.nanoTime();
        if (r == null) {
            throw new IllegalStateException("session " + id + " not found");
        }
        // nanoTime: never the value the previous save of this id wrote (currentTimeMillis can be, and then nothing changed).
        r.setAttribute(ShopSession.LAST_VISIT, System.nanoTime());
        if (store.save(r) != SaveResult.SAVED) {
            throw new IllegalStateException("save of " + id + " did not write");
        }
        long t2 = System.nanoTime();
        load[i] = t1 - t0;
        save[i] = t2 - t1;
    }

    private static long usedMemory(RedisClient client) {
        for (String line : client.info("memory").split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("no used_memory");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
