package io.lanyard.jetty;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jetty has no manager webapp: the application's sessions on all nodes are attributes of
 * Lanyard's JMX bean ({@code io.lanyard:type=LanyardSessionStore,context=shop}), with the names of
 * Tomcat's Manager attributes. Two Jetty nodes in one JVM (the second bean gets {@code ,node=B}).
 */
class ClusterFiguresJettyIT {
    private RedisServer redis;
    private JettyNode a;
    private JettyNode b;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        a = JettyNode.start("A", redis.uri(), f -> { });
        b = JettyNode.start("B", redis.uri(), f -> { });
        // An embedded context's sessions never expire by default, and those are not counted
        // (not in the expiry index); a deployed webapp gets webdefault's 30 minutes.
        a.context.getSessionHandler().setMaxInactiveInterval(1800);
        b.context.getSessionHandler().setMaxInactiveInterval(1800);
    }

    @AfterEach
    void stop() throws Exception {
        for (JettyNode n : new JettyNode[]{a, b}) {
            if (n != null) {
                n.close();
            }
        }
        redis.close();
    }

    @Test
    void theCoreBeanShowsTheSessionsOfBothNodes() throws Exception {
        List<String> onA = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            onA.add(a.get("op=create&name=user&value=u" + i, null).setCookie());
        }
        b.get("op=create&name=user&value=u3", null);
        b.get("op=create&name=user&value=u4", null);
        assertEquals("ok", b.get("op=invalidate", onA.get(0)).body(), "b invalidates a session created on a");

        ObjectName beanA = a.store().getStoreObjectName();
        ObjectName beanB = b.store().getStoreObjectName();
        assertEquals(new ObjectName("io.lanyard:type=LanyardSessionStore,context=shop"), beanA);
        assertNotEquals(beanA, beanB);
        // A read refreshes a node's figures when they are older than 5 s, and adds its own counts
        // (the nodes' expiry passes, which also add them, are 300 s apart): both beans are read
        // at every poll, so each node's counts reach Redis.
        Map<String, Long> expected = Map.of("ActiveSessions", 4L, "SessionCounter", 5L, "ExpiredSessions", 0L,
                "RejectedSessions", 0L);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<Map<String, Long>> last = new ArrayList<>(List.of(Map.of(), Map.of()));
        Await.until(Duration.ofSeconds(60), () -> "cluster figures " + expected + " on both beans: " + last, () -> {
            last.set(0, read(server, beanA));
            last.set(1, read(server, beanB));
            return last.get(0).equals(expected) && last.get(1).equals(expected);
        });
        assertEquals(4L, redis.call(j -> j.keys("lanyard:shop:s:*").size()).longValue(), "the sessions in Redis");
        assertTrue((Long) server.getAttribute(beanA, "MaxActive") >= 4, "the most sessions at once, sampled at refreshes");
        int alive = (Integer) server.getAttribute(beanB, "SessionMaxAliveTime");
        assertTrue(alive >= 0 && alive < 60, "the invalidated session lived for seconds: " + alive);
    }

    private static Map<String, Long> read(MBeanServer server, ObjectName bean) {
        try {
            return Map.of("ActiveSessions", (Long) server.getAttribute(bean, "ActiveSessions"),
                    "SessionCounter", (Long) server.getAttribute(bean, "SessionCounter"),
                    "ExpiredSessions", (Long) server.getAttribute(bean, "ExpiredSessions"),
                    "RejectedSessions", (Long) server.getAttribute(bean, "RejectedSessions"));
        } catch (javax.management.JMException e) {
            throw new AssertionError("cannot read " + bean, e);
        }
    }
}
