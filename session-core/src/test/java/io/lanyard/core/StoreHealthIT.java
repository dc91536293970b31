package io.lanyard.core;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The store's health figures (README "Monitoring"), read as operators read them: through the
 * platform MBean server, by attribute name, after the test drove loads, saves, expiry and an
 * outage against a real Redis.
 */
class StoreHealthIT extends StoreTestBase {
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private ObjectName register(RedisSessionStore store, String context) throws Exception {
        ObjectName name = store.registerMBean("io.lanyard.test:type=LanyardSessionStore,context=" + context);
        assertNotNull(name);
        return name;
    }

    private long longAttr(ObjectName name, String attribute) throws Exception {
        return (Long) server.getAttribute(name, attribute);
    }

    private double doubleAttr(ObjectName name, String attribute) throws Exception {
        return (Double) server.getAttribute(name, attribute);
    }

    private List<String> createSessions(RedisSessionStore store, int n, int maxInactive) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SessionRecord r = store.create(newId(), maxInactive);
            r.setAttribute("user", "user-" + i);
            assertEquals(SaveResult.SAVED, store.save(r));
            ids.add(r.id());
        }
        return ids;
    }

    @Test
    void requestsCommandsBytesAndLatencyQuantiles() throws Exception {
        RedisSessionStore a = store("a");
        ObjectName name = register(a, "requests");
        List<String> ids = createSessions(a, 20, 1800);
        assertEquals(20, longAttr(name, "SessionRequests"), "a creation is a session request");
        assertEquals(20, longAttr(name, "Saves"));

        assertNotNull(a.load(ids.get(0))); // the first load also puts the load script into Redis's cache
        long commandsBefore = longAttr(name, "RedisCommands");
        long bytesBefore = longAttr(name, "BytesRead");
        for (int round = 0; round < 5; round++) {
            for (String id : ids) {
                assertNotNull(a.load(id)); // the clock stands still: no touch is due, read-only
            }
        }
        assertEquals(121, longAttr(name, "SessionRequests"));
        assertEquals(101, longAttr(name, "Loads"));
        assertEquals(100, longAttr(name, "RedisCommands") - commandsBefore, "one command per read-only request");
        assertTrue(longAttr(name, "BytesRead") - bytesBefore > 100 * "user-0".length());
        assertEquals((double) longAttr(name, "RedisCommands") / 121, doubleAttr(name, "RedisCommandsPerRequest"), 1e-9);
        assertEquals((double) longAttr(name, "BytesRead") / 121, doubleAttr(name, "BytesReadPerRequest"), 1e-9);
        assertEquals((double) longAttr(name, "BytesWritten") / 121, doubleAttr(name, "BytesWrittenPerRequest"), 1e-9);
        assertTrue(doubleAttr(name, "BytesWrittenPerRequest") > 0);

        for (String op : List.of("Load", "Save")) {
            long p50 = longAttr(name, op + "LatencyP50Micros");
            long p99 = longAttr(name, op + "LatencyP99Micros");
            long max = longAttr(name, op + "LatencyMaxMicros");
            assertTrue(p50 > 0, op + " p50 " + p50);
            assertTrue(p50 <= p99 && p99 <= max, op + ": p50 " + p50 + " <= p99 " + p99 + " <= max " + max);
        }
        assertEquals("CLOSED", server.getAttribute(name, "BreakerState"));
        assertEquals(false, server.getAttribute(name, "RedisDown"));
        assertEquals(0L, longAttr(name, "Outages"));
        assertEquals(0L, longAttr(name, "CurrentOutageSeconds"));
        assertEquals(0L, longAttr(name, "RedisFullEpisodes"));
        assertEquals(false, server.getAttribute(name, "RedisFull"));
    }

    @Test
    void expiryLagIsHowLongAfterItsExpiryASessionWasHandedToItsListeners() throws Exception {
        RedisSessionStore a = store("a");
        ObjectName name = register(a, "expiry");
        assertEquals(0L, longAttr(name, "ExpiryLagMaxMillis"), "no expiry yet");
        List<String> ids = createSessions(a, 10, 60);
        long expiry = a.peek(ids.get(0)).expiryTime();
        clock.advance(PAST_A_MINUTE_TIMEOUT.plusSeconds(30));
        long lag = clock.millis() - expiry;

        assertEquals(10, a.scavenge(r -> { }));
        assertEquals(10L, longAttr(name, "ExpiriesProcessed"));
        assertEquals(lag, longAttr(name, "ExpiryLagMaxMillis"), "the maximum is exact");
        for (String q : List.of("P50", "P99")) {
            long v = longAttr(name, "ExpiryLag" + q + "Millis");
            assertTrue(v <= lag && v >= lag * 0.9375, q + " " + v + " for a lag of " + lag + " ms");
        }
    }

    @Test
    void breakerStateOutagesAndTheirDuration() throws Exception {
        try (RedisServer own = RedisServer.start()) {
            LanyardSettings s = settings("a");
            s.setRedisUri(own.uri());
            s.setConnectTimeoutMillis(500);
            s.setReadTimeoutMillis(500);
            RedisSessionStore a = store(s);
            ObjectName name = register(a, "breaker");
            String id = createSessions(a, 1, 1800).get(0);

            own.kill();
            assertThrows(LanyardException.RedisUnavailableException.class, () -> a.load(id));
            assertEquals(true, server.getAttribute(name, "RedisDown"));
            assertTrue(List.of("OPEN", "PROBING").contains((String) server.getAttribute(name, "BreakerState")));
            assertEquals(1L, longAttr(name, "Outages"));
            Await.until(Duration.ofSeconds(30), "the outage lasts a second", () -> longAttr(name, "CurrentOutageSeconds") >= 1);
            assertEquals(1L, longAttr(name, "Outages"), "one outage, however many probes");

            own.restart();
            Await.until(Duration.ofSeconds(30), "the breaker closes", () -> "CLOSED".equals(server.getAttribute(name, "BreakerState")));
            assertEquals(false, server.getAttribute(name, "RedisDown"));
            assertEquals(0L, longAttr(name, "CurrentOutageSeconds"));
            assertEquals(1L, longAttr(name, "Outages"));
        }
    }

    @Test
    void metricsDisabledReadsZerosButStillShowsTheBreaker() throws Exception {
        LanyardSettings s = settings("a");
        s.setMetricsEnabled(false);
        RedisSessionStore a = store(s);
        ObjectName name = register(a, "disabled");
        for (String id : createSessions(a, 3, 1800)) {
            assertNotNull(a.load(id));
        }
        for (String attribute : List.of("SessionRequests", "Loads", "Saves", "LoadLatencyP99Micros", "SaveLatencyP50Micros")) {
            assertEquals(0L, longAttr(name, attribute), attribute);
        }
        assertEquals(0.0, doubleAttr(name, "RedisCommandsPerRequest"));
        assertEquals("CLOSED", server.getAttribute(name, "BreakerState"));
    }
}
