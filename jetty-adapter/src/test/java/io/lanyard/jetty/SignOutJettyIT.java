package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sign out everywhere on two embedded Jetty nodes and one real Redis: Jetty's own login (a
 * {@code SessionAuthentication} in the session) and {@code principalAttribute} make a session a
 * user's; the application API lists and signs out; the limit holds under concurrent sign-ins on
 * both nodes; ordinary requests still cost one or two commands.
 */
class SignOutJettyIT {
    private static final String LOGIN_CLASS = "org.eclipse.jetty.security.authentication.SessionAuthentication";
    private final MutableClock clock = MutableClock.now();
    private RedisServer redis;
    private JettyNode a;
    private JettyNode b;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        SessionServlet.DESTROYED.clear();
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

    private void startNodes(int limit) throws Exception {
        a = JettyNode.start("A", redis.uri(), f -> configure(f, limit), clock);
        b = JettyNode.start("B", redis.uri(), f -> configure(f, limit), clock);
    }

    private static void configure(RedisSessionDataStoreFactory f, int limit) {
        f.set("principalAttribute", "user");
        f.set("maxSessionsPerPrincipal", limit);
        f.set("allowedClasses", LOGIN_CLASS); // Jetty's login is stored in the session
        f.set("claimLeaseSeconds", 5);
        f.set("scavengeIntervalSeconds", 300); // the tests scan themselves
        f.set("gracePeriodSeconds", 700);
    }

    /** A client with one JSESSIONID cookie, kept as Jetty re-sets it. */
    private static final class Client {
        String cookie;

        JettyNode.Reply get(JettyNode node, String pathAndQuery) throws Exception {
            JettyNode.Reply r = JettyNode.Reply.get(node.port(), "/shop" + pathAndQuery, cookie);
            if (r.setCookie() != null) {
                cookie = r.setCookie();
            }
            return r;
        }

        String body(JettyNode node, String pathAndQuery) throws Exception {
            JettyNode.Reply r = get(node, pathAndQuery);
            assertEquals(200, r.status(), pathAndQuery + ": " + r.body());
            return r.body();
        }

        String id() {
            return cookie.substring(0, cookie.indexOf('.'));
        }
    }

    private static Client signedIn(JettyNode node, String user) throws Exception {
        Client c = new Client();
        c.body(node, "/s?op=create&name=user&value=" + user);
        return c;
    }

    private Set<String> indexed(String user) {
        List<String> ids = redis.call(j -> j.zrange(a.store().getStore().principalKey(user), 0, -1));
        return new TreeSet<>(ids);
    }

    private static long destroyed(String id) {
        return SessionServlet.DESTROYED.stream().filter(e -> e.contains(":" + id + ":")).count();
    }

    @Test
    void signingOutTheOtherSessionsEndsThemOnBothNodesAtOnceAndDestroysEachOnce() throws Exception {
        startNodes(0);
        Client phone = signedIn(a, "alice");
        Client laptop = signedIn(b, "alice");
        Client jettyLogin = new Client();
        assertEquals("alice", jettyLogin.body(a, "/jetty-login?user=alice")); // Jetty's own login, no principalAttribute
        assertEquals(Set.of(phone.id(), laptop.id(), jettyLogin.id()), indexed("alice"));
        // Past the touch interval (auto: 60 s for the 30-minute timeout), so this request's touch on
        // B is written and the listing names B as the phone's last node.
        clock.advance(Duration.ofSeconds(61));
        List<String> listed = phone.body(b, "/account/sessions?user=alice").lines().toList();
        assertEquals(3, listed.size(), listed.toString());
        assertEquals(List.of(phone.id() + " B this"), listed.stream().filter(l -> l.endsWith(" this")).toList());

        assertEquals("2", phone.body(a, "/account/sign-out-others?user=alice"));

        assertEquals(404, laptop.get(b, "/s?op=get&name=user").status(), "the other node sees the sign-out at once");
        assertEquals(404, jettyLogin.get(b, "/s?op=get&name=user").status());
        assertEquals("alice", phone.body(b, "/s?op=get&name=user"));
        Await.until(Duration.ofSeconds(30), () -> "sessionDestroyed of both: " + SessionServlet.DESTROYED,
                () -> destroyed(laptop.id()) == 1 && destroyed(jettyLogin.id()) == 1);
        // The destroying node deletes each hash after its listener returned; past the lease before that
        // would stand for a node stalled longer than the lease, whose claim another may take over.
        Await.until(Duration.ofSeconds(30), "the destroying node deleted the hashes", () -> redis.call(j -> j.exists(
                a.store().getStore().sessionKey(laptop.id()), a.store().getStore().sessionKey(jettyLogin.id()))) == 0);
        clock.advance(Duration.ofSeconds(6)); // past every claim's lease: each node scans once more
        a.store().doGetExpired(0);
        b.store().doGetExpired(0);
        assertEquals(1, destroyed(laptop.id()), SessionServlet.DESTROYED.toString());
        assertEquals(1, destroyed(jettyLogin.id()), SessionServlet.DESTROYED.toString());
        assertTrue(SessionServlet.DESTROYED.contains("A:" + laptop.id() + ":alice"), "run on the node that signed it out, "
                + "attributes readable: " + SessionServlet.DESTROYED);
    }

    @Test
    void operatorsSignOutAUserThroughJmx() throws Exception {
        startNodes(0);
        Client phone = signedIn(a, "alice");
        Client laptop = signedIn(b, "alice");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName bean = a.store().getStoreObjectName();
        String[] sessions = (String[]) server.invoke(bean, "sessionsOf", new Object[]{"alice"}, new String[]{String.class.getName()});
        assertEquals(2, sessions.length, String.join("\n", sessions));
        assertEquals(2, server.invoke(bean, "signOutAll", new Object[]{"alice"}, new String[]{String.class.getName()}));
        assertEquals(404, phone.get(b, "/s?op=get&name=user").status());
        assertEquals(404, laptop.get(a, "/s?op=get&name=user").status());
    }

    @Test
    void theIndexFollowsSignOutInvalidationAndExpiry() throws Exception {
        startNodes(0);
        Client c = signedIn(a, "carol");
        assertEquals(Set.of(c.id()), indexed("carol"));
        c.body(b, "/s?op=set&name=user&value="); // the application signs carol out
        assertEquals(Set.of(), indexed("carol"));
        c.body(a, "/s?op=set&name=user&value=dave");
        assertEquals(Set.of(c.id()), indexed("dave"));
        c.body(b, "/s?op=invalidate");
        assertEquals(Set.of(), indexed("dave"));

        Client e = signedIn(b, "erin");
        e.body(a, "/s?op=ttl&value=60");
        clock.advance(Duration.ofSeconds(120)); // Jetty computes the expiry on its own clock, a little ahead of this one
        Await.until(Duration.ofSeconds(30), "the expired session is destroyed", () -> {
            a.store().doGetExpired(0);
            return destroyed(e.id()) == 1;
        });
        assertEquals(Set.of(), indexed("erin"));
    }

    @Test
    void concurrentSignInsOfOneUserOnBothNodesNeverLeaveMoreThanTheLimit() throws Exception {
        startNodes(2);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Client>> signIns = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                JettyNode node = i % 2 == 0 ? a : b;
                signIns.add(pool.submit(() -> {
                    go.await();
                    return signedIn(node, "alice");
                }));
            }
            go.countDown();
            List<Client> clients = new ArrayList<>();
            for (Future<Client> f : signIns) {
                clients.add(f.get(60, TimeUnit.SECONDS));
            }
            long signedIn = 0;
            for (Client c : clients) {
                JettyNode.Reply r = c.get(b, "/s?op=get&name=user");
                signedIn += r.status() == 200 && r.body().equals("alice") ? 1 : 0;
            }
            assertEquals(2, signedIn, "sessions of alice still signed in");
            assertEquals(2, indexed("alice").size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void ordinaryRequestsOfASignedInSessionSendOneAndTwoCommands() throws Exception {
        startNodes(3);
        Client c = signedIn(a, "alice");
        c.body(b, "/s?op=get&name=user"); // each node has loaded once (the scripts are cached)
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            monitor.clear();
            assertEquals("alice", c.body(b, "/s?op=get&name=user"));
            assertEquals(1, monitor.clientCommands().size(), monitor.clientCommands().toString());
            monitor.clear();
            assertEquals("ok", c.body(a, "/s?op=set&name=theme&value=dark"));
            assertEquals(2, monitor.clientCommands().size(), monitor.clientCommands().toString());
        }
    }
}
