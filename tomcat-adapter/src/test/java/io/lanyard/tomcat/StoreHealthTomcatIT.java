package io.lanyard.tomcat;

import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The store's health figures on Tomcat, read through JMX under Tomcat's name for the bean
 * ({@code <engine>:type=LanyardSessionStore,host=localhost,context=/app}) after real requests:
 * per-request costs, latency quantiles, refused classes and dropped attributes, expiry lag.
 */
class StoreHealthTomcatIT {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final MutableClock clock = MutableClock.now();
    private RedisServer redis;
    private EmbeddedNode writer;
    private EmbeddedNode reader;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        writer = new EmbeddedNode("w", redis.uri(), m -> m.setClock(clock));
        // A node whose allowlist lacks the test app's Cart (a rolling deploy with a narrower setting).
        reader = new EmbeddedNode("r", redis.uri(), m -> {
            m.setClock(clock);
            m.setProperty("allowedClasses", "io.lanyard.testapp.Bookmarks");
        });
    }

    @AfterEach
    void stop() throws Exception {
        try {
            for (EmbeddedNode n : new EmbeddedNode[]{writer, reader}) {
                if (n != null) {
                    n.close();
                }
            }
        } finally {
            redis.close();
        }
    }

    private long attr(ObjectName bean, String name) throws Exception {
        return ((Number) server.getAttribute(bean, name)).longValue();
    }

    @Test
    void healthFiguresThroughJmx() throws Exception {
        ObjectName w = new ObjectName("node-w:type=LanyardSessionStore,host=localhost,context=/app");
        ObjectName r = new ObjectName("node-r:type=LanyardSessionStore,host=localhost,context=/app");
        assertEquals(w, writer.manager.getStoreObjectName());
        assertEquals(r, reader.manager.getStoreObjectName());

        Browser browser = new Browser();
        String cookie = browser.get(writer.url("/s/create")).split(" ")[0];
        String id = io.lanyard.core.RedisSessionStore.storedId(cookie);
        assertEquals("ok", browser.get(writer.url("/s/cart-add?item=sku-1")));
        assertEquals("[sku-1]", browser.get(writer.url("/s/cart"))); // loads the record's scripts into Redis

        long requests = attr(w, "SessionRequests");
        long commands = attr(w, "RedisCommands");
        for (int i = 0; i < 10; i++) {
            assertEquals("[sku-1]", browser.get(writer.url("/s/cart")));
        }
        assertEquals(10, attr(w, "SessionRequests") - requests, "each request that used the session");
        assertEquals(10, attr(w, "RedisCommands") - commands, "one command per read-only request (the clock stands still)");
        assertTrue((Double) server.getAttribute(w, "BytesReadPerRequest") > 0);
        assertTrue((Double) server.getAttribute(w, "BytesWrittenPerRequest") > 0);
        for (String op : List.of("Load", "Save")) {
            long p50 = attr(w, op + "LatencyP50Micros");
            long p99 = attr(w, op + "LatencyP99Micros");
            assertTrue(p50 > 0 && p50 <= p99 && p99 <= attr(w, op + "LatencyMaxMicros"), op + ": " + p50 + " / " + p99);
        }
        assertEquals("CLOSED", server.getAttribute(w, "BreakerState"));
        assertEquals(0L, attr(w, "Outages"));

        assertEquals("[]", browser.get(reader.url("/s/cart")), "the refused attribute reads as absent");
        assertEquals(1L, attr(r, "RefusedClasses"));
        assertEquals(1L, attr(r, "DroppedAttributes"));
        assertEquals(0L, attr(w, "RefusedClasses"));

        long expiry;
        try (Jedis j = redis.jedis()) {
            expiry = Long.parseLong(j.hget("lanyard:app:s:{" + id + "}", "expiry"));
        }
        clock.advance(Duration.ofMinutes(45)); // past the 30-minute timeout and its touch interval
        assertEquals(1, writer.manager.scavenge());
        assertEquals(1L, attr(w, "ExpiriesProcessed"));
        long lag = clock.millis() - expiry;
        assertEquals(lag, attr(w, "ExpiryLagMaxMillis"));
        long p50 = attr(w, "ExpiryLagP50Millis");
        assertTrue(p50 <= lag && p50 >= lag * 0.9375, p50 + " for a lag of " + lag);
    }
}
