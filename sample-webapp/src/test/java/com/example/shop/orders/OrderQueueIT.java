package com.example.shop.orders;

import com.example.shop.model.Cart;
import com.example.shop.model.Catalogue;
import com.example.shop.model.Currency;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.args.ListDirection;
import redis.clients.jedis.params.SetParams;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shop's reliable order queue and status channel against a real redis-server. */
class OrderQueueIT {
    private RedisServer server;
    private RedisClient redis;
    private Orders orders;

    @BeforeEach
    void start() {
        server = RedisServer.start();
        redis = RedisClient.create(URI.create(server.uri()));
        orders = new Orders(redis);
    }

    @AfterEach
    void stop() {
        if (redis != null) {
            redis.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String placeOrder() {
        Cart cart = new Cart();
        cart.add(Catalogue.find("CAP-006").orElseThrow(), 2);
        String id = Orders.newId();
        assertTrue(orders.place(id, "alice", cart, Currency.USD, "tomcat-1"));
        return id;
    }

    @Test
    void anOrderIdIsPlacedOnceHoweverOftenItIsPosted() throws Exception {
        Cart cart = new Cart();
        cart.add(Catalogue.find("CAP-006").orElseThrow(), 1);
        String id = Orders.newId();
        // Two nodes posting the same checkout form at once: exactly one places it.
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch go = new CountDownLatch(1);
            Callable<Boolean> post = () -> {
                go.await();
                return orders.place(id, "alice", cart, Currency.EUR, Thread.currentThread().getName());
            };
            Future<Boolean> a = two.submit(post);
            Future<Boolean> b = two.submit(post);
            go.countDown();
            assertEquals(1, (a.get() ? 1 : 0) + (b.get() ? 1 : 0), "one of the two placed it");
        } finally {
            two.shutdownNow();
        }
        assertFalse(orders.place(id, "alice", cart, Currency.EUR, "tomcat-1"), "posted again later: not placed again");
        assertEquals(1, redis.llen(Orders.QUEUE), "queued once");
        assertEquals(Orders.QUEUED, orders.find(id).get("status"));
        assertThrows(IllegalArgumentException.class, () -> orders.place("../x", "alice", cart, Currency.EUR, "tomcat-1"));
    }

    @Test
    void placedOrderIsConfirmedByAWorkerAndTheChangeIsPushedToWaiters() throws Exception {
        OrderStatusHub hub = new OrderStatusHub(redis, orders);
        hub.start();
        OrderWorker worker = new OrderWorker(redis, orders, "jetty-1", 200);
        try {
            String id = placeOrder();
            Map<String, String> placed = orders.find(id);
            assertEquals(Orders.QUEUED, placed.get("status"));
            assertEquals("$38.88", placed.get("total"));
            worker.start();
            // Long-poll the way the order page does until the final status arrives over Pub/Sub.
            String[] known = {Orders.QUEUED};
            Await.until(Duration.ofSeconds(30), "the order page learns the final status", () -> {
                known[0] = hub.awaitChange(id, known[0], 10_000).get("status");
                return Orders.CONFIRMED.equals(known[0]);
            });
            assertEquals("jetty-1", orders.find(id).get("processedBy"));
            assertEquals(0, redis.llen(Orders.QUEUE));
            // The ack (LREM) follows the CONFIRMED announcement.
            Await.until(Duration.ofSeconds(30), "job acknowledged", () -> redis.llen(Orders.PROCESSING_PREFIX + "jetty-1") == 0);
        } finally {
            worker.stop();
            hub.stop();
        }
    }

    @Test
    void aJobLeftInFlightByACrashedWorkerIsRequeuedWhenItComesBack() throws Exception {
        String id = placeOrder();
        // Simulate a crash mid-job: the job moved to the worker's in-flight list and nothing else happened.
        assertEquals(id, redis.lmove(Orders.QUEUE, Orders.PROCESSING_PREFIX + "tomcat-1",
                ListDirection.RIGHT, ListDirection.LEFT));
        assertEquals(0, redis.llen(Orders.QUEUE));

        // Another node's worker must not steal it ...
        OrderWorker other = new OrderWorker(redis, orders, "jetty-1", 0);
        assertEquals(0, other.requeueOrphans());
        assertEquals(1, redis.llen(Orders.PROCESSING_PREFIX + "tomcat-1"));

        // ... the restarted worker of the same node puts it back and processes it.
        OrderWorker restarted = new OrderWorker(redis, orders, "tomcat-1", 0);
        restarted.start();
        try {
            Await.until(Duration.ofSeconds(30), "order confirmed", () -> Orders.CONFIRMED.equals(orders.find(id).get("status")));
            Await.until(Duration.ofSeconds(30), "job acknowledged", () -> redis.llen(Orders.PROCESSING_PREFIX + "tomcat-1") == 0);
            assertEquals(List.of(), redis.lrange(Orders.QUEUE, 0, -1));
        } finally {
            restarted.stop();
        }
    }

    @Test
    void aDeadWorkersJobIsRescuedByAnotherWorkerOnceItsHeartbeatRunsOut() throws Exception {
        String id = placeOrder();
        // tomcat-1 registered, took the job and died: its heartbeat key has run out (never written here).
        redis.sadd(Orders.WORKERS, "tomcat-1");
        assertEquals(id, redis.lmove(Orders.QUEUE, Orders.PROCESSING_PREFIX + "tomcat-1",
                ListDirection.RIGHT, ListDirection.LEFT));
        // A live worker's in-flight list is left alone.
        redis.sadd(Orders.WORKERS, "busy-1");
        redis.set(Orders.HEARTBEAT_PREFIX + "busy-1", "alive", SetParams.setParams().ex(30));
        redis.lpush(Orders.PROCESSING_PREFIX + "busy-1", "job-of-a-live-worker");

        OrderWorker other = new OrderWorker(redis, orders, "jetty-1", 0);
        other.start();
        try {
            Await.until(Duration.ofSeconds(30), "the dead worker's order confirmed", () -> Orders.CONFIRMED.equals(orders.find(id).get("status")));
            assertEquals("jetty-1", orders.find(id).get("processedBy"));
            assertEquals(0, redis.llen(Orders.PROCESSING_PREFIX + "tomcat-1"));
            assertEquals(List.of("job-of-a-live-worker"), redis.lrange(Orders.PROCESSING_PREFIX + "busy-1", 0, -1));
            assertTrue(redis.sismember(Orders.WORKERS, "busy-1"));
            assertTrue(!redis.sismember(Orders.WORKERS, "tomcat-1"), "the dead worker is forgotten");
        } finally {
            other.stop();
        }
        assertTrue(!redis.exists(Orders.HEARTBEAT_PREFIX + "jetty-1"), "a clean stop signs off");
    }

    @Test
    void aSecondLiveWorkerWithTheSameNameRunsUnderAUniqueName() throws Exception {
        OrderWorker first = new OrderWorker(redis, orders, "node", 0);
        OrderWorker second = new OrderWorker(redis, orders, "node", 0);
        first.start();
        try {
            Await.until(Duration.ofSeconds(30), "first worker registered", () -> redis.exists(Orders.HEARTBEAT_PREFIX + "node"));
            second.start();
            Await.until(Duration.ofSeconds(30), "second worker renamed", () -> !"node".equals(second.name()));
            assertTrue(second.name().startsWith("node-"), second.name());
            String id = placeOrder();
            Await.until(Duration.ofSeconds(30), "order confirmed", () -> Orders.CONFIRMED.equals(orders.find(id).get("status")));
        } finally {
            second.stop();
            first.stop();
        }
    }

    @Test
    void aWorkerRegisteringAgainAfterARedisHiccupKeepsItsName() {
        OrderWorker worker = new OrderWorker(redis, orders, "tomcat-1", 0);
        worker.register();
        worker.register(); // what the loop does after a failed Redis call, its own heartbeat still alive
        assertEquals("tomcat-1", worker.name());
    }

    @Test
    void aConfirmedOrderNeverGoesBackWhenItsJobIsRunAgain() {
        String id = placeOrder();
        orders.setStatus(id, Orders.CONFIRMED, "tomcat-1");
        orders.setStatus(id, Orders.PROCESSING, "jetty-1"); // the re-run of a job whose ack was lost
        assertEquals(Orders.CONFIRMED, orders.find(id).get("status"));
        assertEquals("tomcat-1", orders.find(id).get("processedBy"));
        redis.del(Orders.key(id));
        orders.setStatus(id, Orders.PROCESSING, "jetty-1"); // expired meanwhile: not re-created without a TTL
        assertTrue(!redis.exists(Orders.key(id)));
    }

    @Test
    void idsThatTheShopCannotHaveIssuedAreNeverLookedUp() {
        assertNull(orders.find("../../etc"));
        assertNull(orders.find("*"));
        assertNull(orders.find(null));
        String id = placeOrder();
        assertNotNull(orders.find(id));
        assertTrue(Orders.isValidId(id));
    }
}
