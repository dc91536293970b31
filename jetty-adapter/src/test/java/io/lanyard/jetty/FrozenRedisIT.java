package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.testsupport.FrozenRedis;
import io.lanyard.testsupport.RedisServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis frozen with SIGSTOP (connections open, nothing answers) under a Jetty node: however many
 * requests carry one session cookie, each gets its 503 with {@code Retry-After} within its own
 * connect + read timeouts. Jetty's session cache loads one session under a map lock, so requests
 * of one cookie do queue behind the first load; the breaker opened by that load makes the rest
 * fail at once instead of each becoming the next probe.
 */
class FrozenRedisIT {
    private static final int CONNECT_TIMEOUT = 500;
    private static final int READ_TIMEOUT = 500;
    /** Connect + read timeout, plus slack for a loaded 2-core machine. */
    private static final long BOUND_MILLIS = CONNECT_TIMEOUT + READ_TIMEOUT + 1500;

    private RedisServer redis;
    private JettyNode node;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        node = JettyNode.start("A", redis.uri(), f -> {
            f.set("connectTimeoutMillis", CONNECT_TIMEOUT);
            f.set("readTimeoutMillis", READ_TIMEOUT);
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
        String cookie = node.get("op=create&name=user&value=alice", null).setCookie();
        assertNotNull(cookie);
        assertEquals("alice", node.get("op=get&name=user", cookie).body());
        measureFrozen(cookie, "existing session");
        assertEquals("alice", JettyNode.Reply.await(node.port(), "/shop/s?op=get&name=user", cookie, 200).body(),
                "the same session is served again after SIGCONT");
    }

    @Test
    void everyRequestOfAnInventedSessionIdGets503WithinItsTimeouts() throws Exception {
        String warm = node.get("op=create&name=user&value=alice", null).setCookie(); // connections and scripts in place
        String invented = "C0FFEE0123456789ABCDEF0123456789.node0";
        measureFrozen(invented, "invented id");
        JettyNode.Reply.await(node.port(), "/shop/s?op=get&name=user", warm, 200);
        assertEquals(404, node.get("op=get&name=user", invented).status(), "no such session");
    }

    @SuppressWarnings("try") // the frozen Redis is a scope, not a value: Redis is frozen while the body runs
    private void measureFrozen(String cookie, String what) throws Exception {
        List<Long> millis;
        try (FrozenRedis frozen = FrozenRedis.freeze(redis.host(), redis.port())) {
            millis = FrozenRedis.concurrentThenSequential(8, 4, () -> {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + "/shop/s?op=get&name=user"))
                        .header("Cookie", "JSESSIONID=" + cookie).timeout(Duration.ofSeconds(30)).build();
                HttpResponse<String> r = JettyNode.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 with Retry-After");
                return r;
            });
            // While it is down, creating a session is refused the same way (Jetty's error handling).
            HttpResponse<String> create = JettyNode.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + node.port() + "/shop/s?op=create&name=user&value=bob")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, create.statusCode(), create.body());
            assertTrue(create.headers().firstValue("Retry-After").isPresent(), "503 with Retry-After: " + create.headers());
        }
        long slowest = millis.stream().mapToLong(Long::longValue).max().orElseThrow();
        System.out.println("[lanyard] frozen redis: slowest request " + slowest + " ms (jetty, " + what
                + ", 8 concurrent + 4 sequential, connect/read timeout " + CONNECT_TIMEOUT + "/" + READ_TIMEOUT + " ms): " + millis);
        for (long m : millis) {
            assertTrue(m <= BOUND_MILLIS, "a request took " + m + " ms, over connect + read timeout + 1.5 s: " + millis);
        }
    }
}
