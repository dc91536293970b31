package io.lanyard.tomcat;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.FrozenRedis;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis frozen with SIGSTOP (connections open, nothing answers) under a Tomcat node: however many
 * requests carry one session cookie, each gets its 503 with {@code Retry-After} within its own
 * connect + read timeouts; none queues behind another's load.
 */
class FrozenRedisIT {
    private static final int CONNECT_TIMEOUT = 500;
    private static final int READ_TIMEOUT = 500;
    /** Connect + read timeout, plus slack for a loaded 2-core machine. */
    private static final long BOUND_MILLIS = CONNECT_TIMEOUT + READ_TIMEOUT + 1500;

    private RedisServer redis;
    private EmbeddedNode node;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        node = new EmbeddedNode("a", redis.uri(), m -> {
            m.setProperty("connectTimeoutMillis", String.valueOf(CONNECT_TIMEOUT));
            m.setProperty("readTimeoutMillis", String.valueOf(READ_TIMEOUT));
        });
    }

    @AfterEach
    void stop() throws Exception {
        try {
            node.close();
        } finally {
            redis.close();
        }
    }

    @Test
    void everyRequestOfOneExistingSessionGets503WithinItsTimeouts() throws Exception {
        Browser browser = new Browser();
        browser.get(node.url("/s/set?name=user&value=alice"));
        assertEquals("alice", browser.get(node.url("/s/get?name=user")));
        measureFrozen(browser.cookie, "existing session");
        Await.until(Duration.ofSeconds(30), "the node serves the session again after SIGCONT",
                () -> new Browser(browser.cookie).send(node.url("/s/get?name=user")).statusCode() == 200);
        assertEquals("alice", new Browser(browser.cookie).get(node.url("/s/get?name=user")));
    }

    @Test
    void everyRequestOfAnInventedSessionIdGets503WithinItsTimeouts() throws Exception {
        Browser warm = new Browser();
        warm.get(node.url("/s/set?name=user&value=alice")); // connections and scripts in place
        String invented = "C0FFEE" + "0123456789ABCDEF0123456789";
        measureFrozen(invented + ".a", "invented id");
        Await.until(Duration.ofSeconds(30), "the node serves sessions again after SIGCONT",
                () -> new Browser(warm.cookie).send(node.url("/s/get?name=user")).statusCode() == 200);
        assertEquals("no-session", new Browser(invented).get(node.url("/s/get?name=user")));
    }

    @SuppressWarnings("try") // the frozen Redis is a scope, not a value: Redis is frozen while the body runs
    private void measureFrozen(String cookie, String what) throws Exception {
        List<Long> millis;
        try (FrozenRedis frozen = FrozenRedis.freeze(redis.host(), redis.port())) {
            millis = FrozenRedis.concurrentThenSequential(8, 4, () -> {
                HttpResponse<String> r = new Browser(cookie).send(node.url("/s/get?name=user"));
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 with Retry-After");
                return r;
            });
            // While it is down, a request creating a session is refused the same way.
            HttpResponse<String> create = new Browser().send(node.url("/s/set?name=user&value=bob"));
            assertEquals(503, create.statusCode(), create.body());
            assertTrue(create.headers().firstValue("Retry-After").isPresent(), "503 with Retry-After");
        }
        long slowest = millis.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.println("[lanyard] frozen redis: slowest request " + slowest + " ms (tomcat, " + what
                + ", 8 concurrent + 4 sequential, connect/read timeout " + CONNECT_TIMEOUT + "/" + READ_TIMEOUT + " ms): " + millis);
        for (long m : millis) {
            assertTrue(m <= BOUND_MILLIS, "a request took " + m + " ms, over connect + read timeout + 1.5 s: " + millis);
        }
    }
}
