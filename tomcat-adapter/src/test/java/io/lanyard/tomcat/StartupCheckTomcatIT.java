package io.lanyard.tomcat;

import io.lanyard.testsupport.LogCapture;
import io.lanyard.testsupport.RedisServer;
import org.apache.catalina.LifecycleState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misconfiguration found when the webapp starts, before any request, on an embedded Tomcat 11:
 * a wrong password is one SEVERE line from Lanyard naming the fix and the webapp does not start; an
 * unreachable Redis is one WARNING naming host and port, and the webapp starts (503 for sessions).
 */
class StartupCheckTomcatIT {
    private static final String PASSWORD = "app-secret";

    private RedisServer redis;
    private LogCapture lanyard;
    private LogCapture catalina;
    private EmbeddedNode node;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        try (Jedis admin = redis.jedis()) {
            admin.aclSetUser("app", "on", ">" + PASSWORD, "resetkeys", "resetchannels", "~lanyard:*", "&lanyard:*",
                    "-@all", "+@read", "+@write", "+@scripting", "+@connection", "+@keyspace", "-@admin", "-@dangerous");
        }
        lanyard = LogCapture.of("io.lanyard");
        catalina = LogCapture.of("org.apache"); // Tomcat's own lines (its report of the failed start is expected here)
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            lanyard.close();
            catalina.close();
            redis.close();
        }
    }

    @Test
    void aWrongPasswordIsOneSevereLineAndTheWebappDoesNotStart() throws Exception {
        node = new EmbeddedNode("a", "redis://app:wrong@127.0.0.1:" + redis.port(), m -> { });
        assertFalse(node.context.getState().isAvailable(), "the webapp did not start: " + node.context.getState());
        List<String> severe = lanyard.messages(Level.SEVERE);
        assertEquals(1, severe.size(), lanyard.toString());
        assertTrue(severe.get(0).contains("redis://app:****@127.0.0.1:" + redis.port()) && severe.get(0).contains("WRONGPASS")
                && severe.get(0).contains("Fix the password or ACL user in redisUri"), severe.get(0));
        assertEquals(List.of(), lanyard.messages(Level.WARNING), "not reported as an outage: " + lanyard);
        assertFalse(lanyard.toString().contains("wrong@") || catalina.toString().contains("wrong@"), "the password was logged");
        assertEquals(404, new Browser().send(node.url("/s/create")).statusCode(), "Tomcat serves no webapp at /app");
    }

    @Test
    void anUnreachableRedisIsOneWarningAndTheWebappStarts() throws Exception {
        int nobody = RedisServer.freePort();
        node = new EmbeddedNode("a", "redis://app:" + PASSWORD + "@127.0.0.1:" + nobody, m -> { });
        assertEquals(LifecycleState.STARTED, node.context.getState());
        List<String> warnings = lanyard.messages(Level.WARNING);
        assertEquals(1, warnings.size(), lanyard.toString());
        assertTrue(warnings.get(0).contains("redis://app:****@127.0.0.1:" + nobody + " cannot be reached at start"), warnings.get(0));
        assertEquals(List.of(), lanyard.messages(Level.SEVERE), lanyard.toString());
        assertTrue(lanyard.messages(Level.INFO).stream().anyMatch(m -> m.startsWith("Lanyard session store started: redisUri=")),
                lanyard.toString());
        assertFalse(lanyard.toString().contains(PASSWORD), lanyard.toString());
        HttpResponse<String> r = new Browser().send(node.url("/s/create"));
        assertEquals(503, r.statusCode(), r.body());
        assertEquals(1, lanyard.messages(Level.WARNING).size(), "still one warning: " + lanyard);
    }

    @Test
    void theLeastPrivilegeUserServesSessionsAndARevokedPermissionIsOneSevereLineAnd503() throws Exception {
        node = new EmbeddedNode("a", "redis://app:" + PASSWORD + "@127.0.0.1:" + redis.port(), m -> { });
        Browser browser = new Browser();
        assertTrue(browser.get(node.url("/s/create")).endsWith("new=true"));
        browser.get(node.url("/s/set?name=user&value=alice"));
        assertEquals("alice", browser.get(node.url("/s/get?name=user")));
        assertEquals(List.of(), lanyard.messages(Level.SEVERE), lanyard.toString());
        assertEquals(List.of(), lanyard.messages(Level.WARNING), lanyard.toString());

        try (Jedis admin = redis.jedis()) {
            admin.aclSetUser("app", "resetkeys", "~other:*"); // at run time: applies to open connections at once
        }
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = browser.send(node.url("/s/get?name=user"));
            assertEquals(503, r.statusCode(), r.body());
        }
        List<String> severe = lanyard.messages(Level.SEVERE);
        assertEquals(1, severe.size(), "one line, not one per request: " + lanyard);
        assertTrue(severe.get(0).contains("NOPERM") && severe.get(0).contains("~lanyard:*"), severe.get(0));
        assertEquals(List.of(), lanyard.messages(Level.WARNING), "not reported as an outage: " + lanyard);
    }
}
