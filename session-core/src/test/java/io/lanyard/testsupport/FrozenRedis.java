package io.lanyard.testsupport;

import redis.clients.jedis.Jedis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server frozen with SIGSTOP: its port still accepts connections (the kernel completes
 * the handshake) and pooled connections stay open, but nothing answers. {@link #close()} sends
 * SIGCONT. Also times requests made while it is frozen.
 *
 * <pre>
 * try (FrozenRedis frozen = FrozenRedis.freeze(redis.host(), redis.port())) {
 *     List&lt;Long&gt; millis = FrozenRedis.concurrentThenSequential(8, 4, () -&gt; ...one request...);
 * }
 * </pre>
 */
public final class FrozenRedis implements AutoCloseable {
    private final long pid;

    private FrozenRedis(long pid) {
        this.pid = pid;
    }

    /** Sends SIGSTOP to the redis-server listening on {@code host:port}. */
    public static FrozenRedis freeze(String host, int port) {
        long pid;
        try (Jedis jedis = new Jedis(host, port)) {
            pid = Long.parseLong(jedis.info("server").lines().filter(l -> l.startsWith("process_id:"))
                    .findFirst().orElseThrow().substring("process_id:".length()).trim());
        }
        signal("STOP", pid);
        return new FrozenRedis(pid);
    }

    /** Sends SIGCONT: Redis answers again (the commands sent meanwhile are then executed). */
    @Override
    public void close() {
        signal("CONT", pid);
    }

    private static void signal(String signal, long pid) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code concurrent} requests at once (released together), then {@code sequential} more
     * one after the other; returns each request's duration in ms, in that order. A request's
     * failure (an AssertionError in it) is rethrown.
     */
    public static List<Long> concurrentThenSequential(int concurrent, int sequential, Callable<?> request) throws Exception {
        List<Long> millis = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(concurrent);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Long>> futures = new ArrayList<>();
            for (int i = 0; i < concurrent; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return timed(request);
                }));
            }
            go.countDown();
            for (Future<Long> f : futures) {
                millis.add(result(f));
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < sequential; i++) {
            millis.add(timed(request));
        }
        return millis;
    }

    private static long timed(Callable<?> request) throws Exception {
        long start = System.nanoTime();
        request.call();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static long result(Future<Long> f) throws Exception {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw (Exception) e.getCause();
        }
    }
}
