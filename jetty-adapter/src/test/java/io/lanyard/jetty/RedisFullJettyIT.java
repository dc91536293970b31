package io.lanyard.jetty;

import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Redis full under a Jetty node (a real redis-server with a small {@code maxmemory} and
 * {@code noeviction}, filled by another client) while a session changes its id, as a sign-in
 * does: the session is never lost. SRE review: Jetty answered the id change with its new cookie
 * while the record had been deleted under the old id and could not be written under the new one.
 */
class RedisFullJettyIT {
    @Test
    void aSignInWhileRedisIsFullLosesNothing() throws Exception {
        try (RedisServer redis = RedisServer.start("--maxmemory", "4mb", "--maxmemory-policy", "noeviction");
             JettyNode node = JettyNode.start("a", redis.uri(), f -> { })) {
            String cookie = node.get("op=create&name=user&value=alice", null).setCookie();
            node.get("op=cart&value=book", cookie);
            RedisServer.Fill fill = redis.fill();
            JettyNode.Reply change = node.get("op=change-id", cookie);
            String held = change.setCookie() != null ? change.setCookie() : cookie; // the id the client holds now
            assertEquals("alice", node.get("op=get&name=user", held).body(), "served while full");

            fill.close();
            assertEquals("[book, pen]", node.get("op=cart&value=pen", held).body(), "nothing lost once memory is freed");
            try (JettyNode other = JettyNode.start("b", redis.uri(), f -> { })) {
                assertEquals("[book, pen]", other.get("op=get&name=cart", held).body(), "in Redis under the id the client holds");
            }
        }
    }
}
