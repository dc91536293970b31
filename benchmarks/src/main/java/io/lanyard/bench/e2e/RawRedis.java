package io.lanyard.bench.e2e;

import io.lanyard.bench.shop.ShopSession;
import io.lanyard.core.LanyardSettings;
import io.lanyard.core.RedisSessionStore;
import io.lanyard.core.SessionRecord;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The physical floor: how many Redis round trips per second this machine can do with the same
 * concurrency as the load test, from a pooled Jedis client and no servlet container at all.
 * {@code PING} is the bare round trip; {@code EVALSHA_RO load.lua} is Lanyard's read-only request
 * cost in Redis for a node that holds no copy of the session (the whole hash of a realistic shop
 * session is read and sent; a node that saw the session's current version gets a few fields
 * instead; the touch is written at most once per touch interval).
 */
public final class RawRedis {
    /** @param sessionBytes bytes of one shop session as Lanyard stores it (HGETALL: field names and values) */
    public record Result(int round, double pingPerSecond, double evalPerSecond, int sessionBytes) {
    }

    private RawRedis() {
    }

    public static Result measure(String redisUri, int round, int threads, double seconds) throws Exception {
        URI uri = URI.create(redisUri);
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(threads);
        pool.setMaxIdle(threads);
        LanyardSettings settings = new LanyardSettings();
        settings.setRedisUri(redisUri);
        settings.setAllowedClasses("io.lanyard.bench.**");
        settings.validate("/shop");
        List<byte[]> keys = new ArrayList<>();
        try (RedisSessionStore store = RedisSessionStore.start(settings, RawRedis.class.getClassLoader(), java.time.Clock.systemUTC())) {
            for (int i = 0; i < threads; i++) {
                SessionRecord r = store.create(String.format("rawfloor%024d", i), 1800);
                ShopSession.populate(i, r::setAttribute);
                store.save(r);
                keys.add(store.sessionKey(r.id()).getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] script;
        try (InputStream in = RedisSessionStore.class.getResourceAsStream("lua/load.lua")) {
            if (in == null) {
                throw new IOException("load.lua not found in session-core");
            }
            script = in.readAllBytes();
        }
        try (RedisClient client = RedisClient.builder().hostAndPort(new HostAndPort(uri.getHost(), uri.getPort())).poolConfig(pool).build()) {
            byte[] sha = client.scriptLoad(script, keys.get(0));
            int sessionBytes = 0;
            for (Map.Entry<byte[], byte[]> e : client.hgetAll(keys.get(0)).entrySet()) {
                sessionBytes += e.getKey().length + e.getValue().length;
            }
            byte[] maxFields = "65536".getBytes(StandardCharsets.US_ASCII);
            byte[] maxBytes = "2162688".getBytes(StandardCharsets.US_ASCII);
            double ping = loop(threads, seconds, i -> client.ping());
            double eval = loop(threads, seconds, i -> client.evalshaReadonly(sha, List.of(keys.get(i)),
                    List.of(Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII), maxFields, maxBytes)));
            return new Result(round, ping, eval, sessionBytes);
        }
    }

    private static double loop(int threads, double seconds, Consumer<Integer> op) throws InterruptedException {
        // Short untimed warm-up, then a fixed-time run with all threads.
        runFor(threads, Math.min(0.5, seconds / 4), op);
        return runFor(threads, seconds, op);
    }

    private static double runFor(int threads, double seconds, Consumer<Integer> op) throws InterruptedException {
        LongAdder ops = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int index = t;
            Thread th = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        op.accept(index);
                        ops.increment();
                    }
                } finally {
                    done.countDown();
                }
            });
            ts.add(th);
        }
        long start = System.nanoTime();
        ts.forEach(Thread::start);
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        return ops.sum() / elapsed;
    }
}
