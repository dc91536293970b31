package io.lanyard.tomcat;

import io.lanyard.testapp.ListsServlet;
import io.lanyard.testsupport.RedisServer;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 15 through a container: one user's attribute that Lanyard refuses to store (its element
 * class is not allowed) must leave nothing behind in the node's pooled Kryo instances. While that
 * user keeps storing it on node a, other users' requests run on the same node concurrently, so
 * the pooled instances are reused; every value ends up intact on both nodes.
 */
class HostileBytesIT {
    private static final int USERS = 12;
    private static final int ITEMS = 9;

    private RedisServer redis;
    private EmbeddedNode a;
    private EmbeddedNode b;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        a = node("a");
        b = node("b");
    }

    private EmbeddedNode node(String name) throws Exception {
        EmbeddedNode node = new EmbeddedNode(name, redis.uri(), m -> { });
        Tomcat.addServlet(node.context, "lists", new ListsServlet());
        node.context.addServletMappingDecoded("/l/*", "lists");
        return node;
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
        } finally {
            redis.close();
        }
    }

    private static String expected(int user, int items) {
        List<List<String>> lists = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            if (i % 3 == 0) {
                lists.add(new ArrayList<>());
            }
            lists.get(lists.size() - 1).add("u" + user + "-" + i);
        }
        return lists.toString();
    }

    @Test
    void aRefusedAttributeLeavesOtherUsersValuesIntactOnEveryNode() throws Exception {
        Browser careless = new Browser();
        careless.get(a.url("/l/add?item=mine"));
        List<Browser> users = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            users.add(new Browser());
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int round = 0; round < ITEMS; round++) {
                int item = round;
                running.add(pool.submit(() -> careless.get(a.url("/l/bookmark?uri=https://example.com/" + item))));
                for (int u = 0; u < USERS; u++) {
                    Browser user = users.get(u);
                    int id = u;
                    // Each user's own requests stay in order; different users run side by side on node a.
                    running.add(pool.submit(() -> {
                        synchronized (user) {
                            assertEquals("ok", user.get(a.url("/l/add?item=u" + id + "-" + item)));
                            assertEquals(expected(id, item + 1), user.get(a.url("/l/lists")));
                            assertEquals("ok", careless.get(a.url("/l/bookmark?uri=https://example.org/" + id)));
                        }
                    }));
                }
                for (Future<?> f : running) {
                    f.get(2, TimeUnit.MINUTES);
                }
                running.clear();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int u = 0; u < USERS; u++) {
            for (EmbeddedNode node : List.of(a, b)) {
                assertEquals(expected(u, ITEMS), users.get(u).get(node.url("/l/lists")), "user " + u + " on node " + node.name);
            }
        }
        assertEquals("[[mine]]", careless.get(b.url("/l/lists")), "the careless user's other attribute is stored");
    }
}
