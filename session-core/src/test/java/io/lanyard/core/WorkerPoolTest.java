package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class WorkerPoolTest {
    /** A worker that knows whether a thread holds it. */
    static final class Held {
        final AtomicBoolean inUse = new AtomicBoolean();
    }

    @Test
    void aWorkerGivenBackIsTakenAgainAndAnEmptyPoolCreates() {
        AtomicInteger created = new AtomicInteger();
        WorkerPool<Object> pool = new WorkerPool<>(16, () -> {
            created.incrementAndGet();
            return new Object();
        });
        Object a = pool.obtain();
        Object b = pool.obtain();
        assertNotSame(a, b, "two holders never share a worker");
        assertEquals(2, created.get());
        pool.free(a);
        assertSame(a, pool.obtain(), "the idle worker is reused");
        assertEquals(2, created.get());
    }

    @Test
    void sizesAreRoundedToPowersOfTwoAndBounded() {
        assertEquals(16, new WorkerPool<>(16, Object::new).slots());
        assertEquals(32, new WorkerPool<>(17, Object::new).slots());
        assertEquals(4, new WorkerPool<>(1, Object::new).slots());
        assertEquals(256, new WorkerPool<>(10_000, Object::new).slots());
    }

    @Test
    void aFullPoolDropsWhatIsGivenBack() {
        WorkerPool<Object> pool = new WorkerPool<>(4, Object::new);
        List<Object> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            held.add(pool.obtain());
        }
        held.forEach(pool::free);
        assertEquals(4, pool.idle(), "at most the slots are kept");
    }

    @Test
    void concurrentThreadsNeverHoldTheSameWorker() throws Exception {
        int threads = 8;
        WorkerPool<Held> pool = new WorkerPool<>(8, Held::new);
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(ex.submit(() -> {
                    start.await();
                    int clashes = 0;
                    for (int i = 0; i < 50_000; i++) {
                        Held w = pool.obtain();
                        if (!w.inUse.compareAndSet(false, true)) {
                            clashes++;
                        }
                        w.inUse.set(false);
                        pool.free(w);
                    }
                    return clashes;
                }));
            }
            start.countDown();
            for (Future<Integer> f : results) {
                assertEquals(0, f.get(120, TimeUnit.SECONDS), "a worker handed to two threads at once");
            }
        } finally {
            ex.shutdownNow();
        }
    }
}
