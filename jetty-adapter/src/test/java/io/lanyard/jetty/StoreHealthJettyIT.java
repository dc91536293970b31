package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The store's health figures on Jetty, read through JMX under Jetty's name for the bean
 * ({@code io.lanyard:type=LanyardSessionStore,context=shop}) after real requests: per-request
 * costs, latency quantiles, refused classes and dropped attributes, expiry lag.
 */
class StoreHealthJettyIT {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final MutableClock clock = MutableClock.now();
    private RedisServer redis;
    private JettyNode writer;
    private JettyNode reader;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        writer = JettyNode.start("W", redis.uri(), f -> {
            f.set("allowedClasses", "io.lanyard.jetty.testapp.CountingList");
            rareScans(f);
        }, clock);
        // No allowedClasses: the test app's CountingList is refused (a rolling deploy with a narrower setting).
        reader = JettyNode.start("R", redis.uri(), StoreHealthJettyIT::rareScans, clock);
    }

    /** The test runs expiry itself. */
    private static void rareScans(RedisSessionDataStoreFactory f) {
        f.set("scavengeIntervalSeconds", 300);
        f.set("gracePeriodSeconds", 700);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            for (JettyNode n : new JettyNode[]{writer, reader}) {
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
        ObjectName w = writer.store().getStoreObjectName();
        ObjectName r = reader.store().getStoreObjectName();
        assertEquals(new ObjectName("io.lanyard:type=LanyardSessionStore,context=shop"), w);
        assertEquals(new ObjectName("io.lanyard:type=LanyardSessionStore,context=shop,node=\"R\""), r,
                "a second store of the application in one JVM is told apart by its node name");

        String cookie = writer.get("op=create&name=user&value=alice", null).setCookie();
        String id = cookie.substring(0, cookie.indexOf('.'));
        assertEquals("1", writer.get("op=tally&value=x", cookie).body());
        assertEquals("alice", writer.get("op=get&name=user", cookie).body()); // the load script is in Redis's cache now

        long requests = attr(w, "SessionRequests");
        long commands = attr(w, "RedisCommands");
        for (int i = 0; i < 10; i++) {
            assertEquals("alice", writer.get("op=get&name=user", cookie).body());
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

        assertEquals("null", reader.get("op=get&name=tally", cookie).body(), "the refused attribute reads as absent");
        assertEquals(1L, attr(r, "RefusedClasses"));
        assertEquals(1L, attr(r, "DroppedAttributes"));
        assertEquals(0L, attr(w, "RefusedClasses"));

        assertEquals("ok", writer.get("op=ttl&value=60", cookie).body());
        long expiry;
        try (Jedis j = redis.jedis()) {
            expiry = Long.parseLong(j.hget("lanyard:shop:s:{" + id + "}", "expiry"));
        }
        clock.advance(Duration.ofMinutes(10)); // well past the 60 s timeout and its touch interval
        assertEquals(1, writer.store().doGetExpired(0).size());
        assertEquals(1L, attr(w, "ExpiriesProcessed"));
        long lag = clock.millis() - expiry;
        assertEquals(lag, attr(w, "ExpiryLagMaxMillis"));
        long p50 = attr(w, "ExpiryLagP50Millis");
        assertTrue(p50 <= lag && p50 >= lag * 0.9375, p50 + " for a lag of " + lag);
    }
}
