package com.example.shop.orders;

import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Listens on {@link Orders#STATUS_CHANNEL} and wakes the requests waiting for a change of a given order
 * (long polling). Every node subscribes, so whichever node the balancer picks for the next poll learns of a
 * status change that a worker on another node published.
 */
public final class OrderStatusHub {
    private static final Logger LOG = Logger.getLogger(OrderStatusHub.class.getName());

    private final UnifiedJedis redis;
    private final Orders orders;
    private final Map<String, Set<CompletableFuture<Void>>> waiters = new ConcurrentHashMap<>();
    private volatile Subscriber subscriber;
    private volatile boolean running = true;
    private final OutageLog outage = new OutageLog(LOG, () -> "order status subscription");
    private Thread thread;

    public OrderStatusHub(UnifiedJedis redis, Orders orders) {
        this.redis = redis;
        this.orders = orders;
    }

    public synchronized void start() {
        thread = new Thread(this::listen, "shop-order-status");
        thread.setDaemon(true);
        thread.start();
    }

    public synchronized void stop() throws InterruptedException {
        running = false;
        // The listener may be just about to subscribe: keep unsubscribing until it has left.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (thread != null && thread.isAlive() && System.nanoTime() < deadline) {
            Subscriber current = subscriber;
            if (current != null && current.isSubscribed()) {
                current.unsubscribe();
            }
            thread.join(100);
        }
        waiters.values().forEach(set -> set.forEach(f -> f.complete(null)));
    }

    /**
     * Returns the order's current fields once its status differs from {@code knownStatus}, or after
     * {@code timeoutMillis} with whatever it is then. {@code null} if there is no such order.
     */
    public Map<String, String> awaitChange(String id, String knownStatus, long timeoutMillis) throws InterruptedException {
        CompletableFuture<Void> changed = new CompletableFuture<>();
        waiters.compute(id, (k, set) -> {
            Set<CompletableFuture<Void>> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(changed);
            return s;
        });
        try {
            // Read after registering: a change published in between is then either seen here or delivered.
            Map<String, String> order = orders.find(id);
            if (order == null || !order.get("status").equals(knownStatus)) {
                return order;
            }
            try {
                changed.get(timeoutMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // fall through: answer with the current state
            }
            return orders.find(id);
        } finally {
            waiters.computeIfPresent(id, (k, set) -> {
                set.remove(changed);
                return set.isEmpty() ? null : set;
            });
        }
    }

    private void listen() {
        while (running) {
            try {
                subscriber = new Subscriber();
                redis.subscribe(subscriber, Orders.STATUS_CHANNEL);
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                outage.failed(e);
                try {
                    Thread.sleep(OutageLog.RETRY_MILLIS);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private final class Subscriber extends JedisPubSub {
        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            outage.succeeded(); // runs on the listening thread, inside subscribe()
        }

        @Override
        public void onMessage(String channel, String message) {
            String[] parsed = Orders.parseMessage(message);
            if (parsed == null) {
                return;
            }
            Set<CompletableFuture<Void>> set = waiters.get(parsed[0]);
            if (set != null) {
                set.forEach(f -> f.complete(null));
            }
        }
    }
}
