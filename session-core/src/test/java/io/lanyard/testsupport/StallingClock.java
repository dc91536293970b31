package io.lanyard.testsupport;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand that can also stall one thread: after that thread has read it a
 * given number of times, its next read blocks until {@link #resume()}, as a node frozen by a long
 * GC pause between two steps would. Other threads read it freely.
 */
public final class StallingClock extends Clock {
    private final AtomicLong millis;
    private volatile Thread stalledThread;
    private volatile int readsBeforeStall;
    private final CountDownLatch stalled = new CountDownLatch(1);
    private final CountDownLatch resumed = new CountDownLatch(1);

    public StallingClock(long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    public void advance(Duration d) {
        millis.addAndGet(d.toMillis());
    }

    /** The next thread to read this clock from now on stalls after {@code reads} reads (only thread {@code t}). */
    public void stallAfter(Thread t, int reads) {
        readsBeforeStall = reads;
        stalledThread = t;
    }

    /** Waits until the thread is stalled in a read; false after 30 s. */
    public boolean awaitStalled() throws InterruptedException {
        return stalled.await(30, TimeUnit.SECONDS);
    }

    /** Lets the stalled thread go on; its read returns the time at that moment. */
    public void resume() {
        resumed.countDown();
    }

    @Override
    public long millis() {
        if (Thread.currentThread() == stalledThread && readsBeforeStall-- <= 0) {
            stalledThread = null;
            stalled.countDown();
            try {
                if (!resumed.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never resumed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
