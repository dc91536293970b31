package io.lanyard.tomcat;

import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis full under a Tomcat node (a real redis-server with a small {@code maxmemory} and
 * {@code noeviction}, filled by another client): page views are served, a request that changes
 * its session gets a fast 503 saying Redis is full, and after memory is freed both work again with
 * the session intact.
 */
class RedisFullTomcatIT {
    private RedisServer redis;
    private EmbeddedNode node;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start("--maxmemory", "4mb", "--maxmemory-policy", "noeviction");
        node = new EmbeddedNode("a", redis.uri(), m -> { });
    }

    @AfterEach
    void stop() throws Exception {
        try {
            node.close();
        } finally {
            redis.close();
        }
    }

    /** SRE review: a sign-in (id change) while Redis was full lost the whole session, for good. */
    @Test
    void aSignInWhileRedisIsFullGetsA503AndKeepsTheSession() {
        Browser browser = new Browser();
        browser.get(node.url("/s/set?name=user&value=alice"));
        String before = browser.cookie;
        RedisServer.Fill fill = redis.fill();
        HttpResponse<String> change = browser.send(node.url("/s/change-id"));
        assertEquals(503, change.statusCode(), change.body());
        assertEquals(before, browser.cookie, "the client keeps its id");
        assertEquals("alice", browser.get(node.url("/s/get?name=user")), "served under its old id while full");

        fill.close();
        browser.get(node.url("/s/change-id"));
        assertNotEquals(before, browser.cookie, "the sign-in works once memory is freed");
        assertEquals("alice", browser.get(node.url("/s/get?name=user")), "nothing lost");
    }

    @Test
    void pageViewsAreServedAndWritesGetA503UntilMemoryIsFreed() {
        Browser browser = new Browser();
        browser.get(node.url("/s/set?name=user&value=alice"));
        RedisServer.Fill fill = redis.fill(); // another client fills Redis up to maxmemory
        for (int i = 0; i < 3; i++) {
            assertEquals("alice", browser.get(node.url("/s/get?name=user")), "a page view is served");
        }
        HttpResponse<String> write = browser.send(node.url("/s/set?name=theme&value=dark"));
        assertEquals(503, write.statusCode(), write.body());
        assertTrue(write.body().contains("is full"), write.body());
        assertTrue(write.headers().firstValue("Retry-After").isPresent());

        fill.close();
        browser.get(node.url("/s/set?name=theme&value=dark"));
        assertEquals("dark", browser.get(node.url("/s/get?name=theme")));
        assertEquals("alice", browser.get(node.url("/s/get?name=user")), "nothing lost");
    }
}
