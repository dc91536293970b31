package com.example.shop.orders;

import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.params.SetParams;

import java.util.UUID;
import java.util.logging.Logger;

/**
 * Consumes the order queue with the reliable-queue pattern: {@code BLMOVE queue -> processing:<worker>} takes a
 * job and parks it in this worker's own in-flight list in one atomic step, the job is processed, and only then
 * acknowledged with {@code LREM}. A job is therefore never lost: if the node dies mid-job the id stays in its
 * in-flight list, and is moved back to the queue either by the same worker when it starts again, or by any other
 * worker once the dead one's heartbeat has run out. Re-running a job is harmless: a confirmed order stays
 * confirmed ({@link Orders#setStatus} never moves a status backwards).
 *
 * <p>One list per worker rather than one shared list: a starting node must not re-queue jobs that another,
 * healthy node is processing at that moment. Liveness is a heartbeat key per worker
 * ({@code shop:orders:worker:<name>}, refreshed every loop, expiring after {@value #HEARTBEAT_SECONDS} s), and
 * the set {@code shop:orders:workers} names every worker that may have an in-flight list. A worker that finds
 * its name's heartbeat alive at start (another live node has the same name) takes a unique name instead.
 */
public final class OrderWorker implements Runnable {
    private static final Logger LOG = Logger.getLogger(OrderWorker.class.getName());
    /** BLMOVE timeout: also the longest a stop request waits for the worker to notice. */
    private static final double POLL_SECONDS = 1.0;
    /** A worker whose heartbeat is older than this is dead: its in-flight jobs go back to the queue. */
    static final int HEARTBEAT_SECONDS = 10;
    /** How often a worker looks for dead workers' in-flight jobs. */
    private static final long RESCUE_INTERVAL_NANOS = 5_000_000_000L;

    private final UnifiedJedis redis;
    private final Orders orders;
    private volatile String worker;
    private volatile String processing;
    private final long processingMillis;
    /** This instance's heartbeat value: tells its own heartbeat (after a Redis hiccup) from another node's. */
    private final String token = UUID.randomUUID().toString();
    private volatile boolean running = true;
    private final OutageLog outage = new OutageLog(LOG, () -> "order worker " + name());
    private Thread thread;

    /**
     * @param worker           name of this node's worker (names its in-flight list); unique per live node
     * @param processingMillis simulated payment time, so the page visibly goes QUEUED, PROCESSING, CONFIRMED
     */
    public OrderWorker(UnifiedJedis redis, Orders orders, String worker, long processingMillis) {
        this.redis = redis;
        this.orders = orders;
        this.worker = worker;
        this.processing = Orders.PROCESSING_PREFIX + worker;
        this.processingMillis = processingMillis;
    }

    /** The name this worker runs under (its configured name, or a unique one if that was taken). */
    public String name() {
        return worker;
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
        boolean registered = false;
        long nextRescue = System.nanoTime();
        while (running) {
            try {
                if (!registered) {
                    register();
                    requeueOrphans();
                    registered = true;
                } else {
                    redis.set(Orders.HEARTBEAT_PREFIX + worker, token, SetParams.setParams().ex(HEARTBEAT_SECONDS));
                    // Again every loop: a rescuer that saw this worker before its first heartbeat may have
                    // dropped it from the set.
                    redis.sadd(Orders.WORKERS, worker);
                }
                outage.succeeded();
                if (System.nanoTime() - nextRescue >= 0) {
                    rescueDeadWorkers();
                    nextRescue = System.nanoTime() + RESCUE_INTERVAL_NANOS;
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
                outage.failed(e);
                registered = false;
                if (!pause(OutageLog.RETRY_MILLIS)) {
                    return;
                }
            }
        }
        try {
            redis.del(Orders.HEARTBEAT_PREFIX + worker); // a clean stop: nothing in flight, nothing to rescue
            redis.srem(Orders.WORKERS, worker);
        } catch (RuntimeException e) {
            LOG.fine("order worker " + worker + " could not sign off: " + e.getMessage());
        }
    }

    /**
     * Takes this worker's heartbeat (before it joins the set, so no other worker sees it registered and dead).
     * If a live worker already holds the name, this one runs under a unique name instead of sharing its list.
     */
    void register() {
        String key = Orders.HEARTBEAT_PREFIX + worker;
        if (!"OK".equals(redis.set(key, token, SetParams.setParams().nx().ex(HEARTBEAT_SECONDS)))
                && !token.equals(redis.get(key))) {
            String unique = worker + "-" + token.substring(0, 8);
            LOG.warning("order worker name " + worker + " is in use by a live node; this one runs as " + unique);
            worker = unique;
            processing = Orders.PROCESSING_PREFIX + unique;
            redis.set(Orders.HEARTBEAT_PREFIX + unique, token, SetParams.setParams().ex(HEARTBEAT_SECONDS));
        }
        redis.sadd(Orders.WORKERS, worker);
    }

    /** Moves jobs left in this worker's in-flight list (a previous run died mid-job) back to the queue. */
    int requeueOrphans() {
        return requeue(worker);
    }

    /** Moves the in-flight jobs of every registered worker whose heartbeat ran out back to the queue. */
    int rescueDeadWorkers() {
        int n = 0;
        for (String other : redis.smembers(Orders.WORKERS)) {
            if (!other.equals(worker) && !redis.exists(Orders.HEARTBEAT_PREFIX + other)) {
                n += requeue(other);
                redis.srem(Orders.WORKERS, other);
            }
        }
        return n;
    }

    private int requeue(String owner) {
        int n = 0;
        // LMOVE is atomic per job: two workers rescuing the same list never both get one job.
        while (redis.lmove(Orders.PROCESSING_PREFIX + owner, Orders.QUEUE, ListDirection.RIGHT, ListDirection.RIGHT) != null) {
            n++;
        }
        if (n > 0) {
            LOG.info("order worker " + worker + ": re-queued " + n + " unfinished order(s) of worker " + owner);
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
