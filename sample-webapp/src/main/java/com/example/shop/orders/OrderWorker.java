package com.example.shop.orders;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.args.ListDirection;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Consumes the order queue with the reliable-queue pattern: {@code BLMOVE queue -> processing:<worker>} takes a
 * job and parks it in this worker's own in-flight list in one atomic step, the job is processed, and only then
 * acknowledged with {@code LREM}. If the node dies mid-job the id stays in its in-flight list; the same worker
 * (same node name) moves such orphans back to the queue when it starts again. Processing is idempotent (it
 * only sets a status), so a job that is re-run after a crash does no harm.
 *
 * <p>One list per worker rather than one shared list: a starting node must not re-queue jobs that another,
 * healthy node is processing at that moment. That relies on node names being unique and stable.
 */
public final class OrderWorker implements Runnable {
    private static final Logger LOG = Logger.getLogger(OrderWorker.class.getName());
    /** BLMOVE timeout: also the longest a stop request waits for the worker to notice. */
    private static final double POLL_SECONDS = 1.0;

    private final UnifiedJedis redis;
    private final Orders orders;
    private final String worker;
    private final String processing;
    private final long processingMillis;
    private volatile boolean running = true;
    private Thread thread;

    /**
     * @param worker           stable, unique name of this node (names its in-flight list)
     * @param processingMillis simulated payment time, so the page visibly goes QUEUED, PROCESSING, CONFIRMED
     */
    public OrderWorker(UnifiedJedis redis, Orders orders, String worker, long processingMillis) {
        this.redis = redis;
        this.orders = orders;
        this.worker = worker;
        this.processing = Orders.PROCESSING_PREFIX + worker;
        this.processingMillis = processingMillis;
    }

    public synchronized void start() {
        thread = new Thread(this, "shop-order-worker");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops taking jobs and waits for the current one to finish (a job cut short is re-run on next start). */
    public synchronized void stop() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(10_000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5_000);
            }
        }
    }

    @Override
    public void run() {
        boolean recovered = false;
        while (running) {
            try {
                if (!recovered) {
                    requeueOrphans();
                    recovered = true;
                }
                String id = redis.blmove(Orders.QUEUE, processing, ListDirection.RIGHT, ListDirection.LEFT, POLL_SECONDS);
                if (id != null) {
                    process(id);
                    redis.lrem(processing, 1, id);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // Redis unreachable or similar: the job (if any) stays in our in-flight list and is re-queued
                // by the recovery that runs again once Redis answers.
                LOG.log(Level.WARNING, "order worker " + worker + ": " + e.getMessage() + "; retrying in 2 s");
                recovered = false;
                if (!pause(2000)) {
                    return;
                }
            }
        }
    }

    /** Moves jobs left in this worker's in-flight list (a previous run died mid-job) back to the queue. */
    int requeueOrphans() {
        int n = 0;
        while (redis.lmove(processing, Orders.QUEUE, ListDirection.RIGHT, ListDirection.RIGHT) != null) {
            n++;
        }
        if (n > 0) {
            LOG.info("order worker " + worker + ": re-queued " + n + " unfinished order(s)");
        }
        return n;
    }

    private void process(String id) throws InterruptedException {
        orders.setStatus(id, Orders.PROCESSING, worker);
        Thread.sleep(processingMillis); // stands in for the payment provider's round trip
        orders.setStatus(id, Orders.CONFIRMED, worker);
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
