package io.lanyard.tomcat;

import io.lanyard.testapp.SessionEvents;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisMonitor;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import javax.management.MBeanServer;
import javax.management.ObjectName;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sign out everywhere on two embedded Tomcat nodes and one real Redis: the container's login
 * ({@code request.login}) and {@code principalAttribute} make a session a user's; the application
 * API (a servlet using {@code io.lanyard.api.SessionControl}) lists and signs out; the limit holds
 * under concurrent logins on both nodes; ordinary requests still cost one or two commands.
 */
class SignOutTomcatIT {
    static RedisServer redis;
    final MutableClock clock = MutableClock.now();
    EmbeddedNode a;
    EmbeddedNode b;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    void startNodes(int limit) throws Exception {
        SessionEvents.EVENTS.clear();
        a = new EmbeddedNode("a", redis.uri(), m -> configure(m, limit));
        b = new EmbeddedNode("b", redis.uri(), m -> configure(m, limit));
    }

    private void configure(RedisSessionManager m, int limit) {
        m.setProperty("principalAttribute", "user");
        m.setProperty("maxSessionsPerPrincipal", String.valueOf(limit));
        m.setClock(clock);
    }

    @AfterEach
    void stopNodes() throws Exception {
        try {
            if (a != null) {
                a.close();
            }
        } finally {
            if (b != null) {
                b.close();
            }
        }
        redis.call(Jedis::flushAll);
    }

    private Set<String> indexed(String user) {
        List<String> ids = redis.call(j -> j.zrange(a.manager.store().principalKey(user), 0, -1));
        return new TreeSet<>(ids);
    }

    private static Browser login(EmbeddedNode node) {
        Browser browser = new Browser();
        assertEquals("alice", browser.get(node.url("/s/login?user=alice&password=wonderland")));
        return browser;
    }

    private static List<String> destroyed(String id) {
        return SessionEvents.EVENTS.stream().filter(e -> e.startsWith("destroyed " + id)).toList();
    }

    @Test
    void signingOutTheOtherSessionsEndsThemOnBothNodesAtOnceAndDestroysEachOnce() throws Exception {
        startNodes(0);
        Browser phone = login(a);
        Browser laptop = login(b);
        Browser tablet = new Browser();
        tablet.get(a.url("/s/set?name=user&value=alice")); // the application's own sign-in: principalAttribute
        // Past the touch interval (auto: 60 s for the 30-minute timeout), so this request's touch on
        // b is written and the listing names b as the phone's last node.
        clock.advance(Duration.ofSeconds(61));
        List<String> listed = phone.get(b.url("/account/sessions?user=alice")).lines().toList();
        assertEquals(3, listed.size(), listed.toString());
        assertEquals(List.of(phone.sessionId() + " b this"), listed.stream().filter(l -> l.endsWith(" this")).toList());

        assertEquals("2", phone.get(a.url("/account/sign-out-others?user=alice")));

        assertEquals("anonymous", laptop.get(b.url("/s/user")), "the other node sees the sign-out at once");
        assertEquals("no-session", laptop.get(a.url("/s/get?name=user")));
        assertEquals("no-session", tablet.get(b.url("/s/get?name=user")));
        assertEquals("alice admin=true", phone.get(b.url("/s/user")), "the session that signed the others out stays");
        assertEquals(List.of(phone.sessionId() + " b this"), phone.get(b.url("/account/sessions?user=alice")).lines().toList());

        Await.until(Duration.ofSeconds(30), () -> "sessionDestroyed of both: " + SessionEvents.EVENTS,
                () -> destroyed(laptop.sessionId()).size() == 1 && destroyed(tablet.sessionId()).size() == 1);
        // The destroying node deletes each hash after its listener returned; past the lease before that
        // would stand for a node stalled longer than the lease, whose claim another may take over.
        Await.until(Duration.ofSeconds(30), "the destroying node deleted the hashes", () -> redis.call(j -> j.exists(
                a.manager.store().sessionKey(laptop.sessionId()), a.manager.store().sessionKey(tablet.sessionId()))) == 0);
        clock.advance(Duration.ofSeconds(6)); // past every claim's lease: each node scans once more
        a.manager.scavenge();
        b.manager.scavenge();
        assertEquals(1, destroyed(laptop.sessionId()).size(), SessionEvents.EVENTS.toString());
        assertEquals(1, destroyed(tablet.sessionId()).size(), SessionEvents.EVENTS.toString());
        assertTrue(destroyed(tablet.sessionId()).get(0).endsWith(" a cart=none"), "run on the node that signed it out");
    }

    @Test
    void operatorsListAndSignOutAUserThroughJmx() throws Exception {
        startNodes(0);
        Browser phone = login(a);
        Browser laptop = login(b);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName bean = b.manager.getStoreObjectName();
        String[] sessions = (String[]) server.invoke(bean, "sessionsOf", new Object[]{"alice"}, new String[]{String.class.getName()});
        assertEquals(2, sessions.length, String.join("\n", sessions));
        assertEquals(Set.of(phone.sessionId(), laptop.sessionId()),
                Set.of(sessions[0].split(" ")[0], sessions[1].split(" ")[0]), String.join("\n", sessions));
        assertTrue(sessions[0].matches("\\S+ created=\\S+ lastAccessed=\\S+ node=[ab]"), sessions[0]);
        assertEquals(1, server.invoke(bean, "signOutAllBut", new Object[]{"alice", phone.sessionId()},
                new String[]{String.class.getName(), String.class.getName()}));
        assertEquals("anonymous", laptop.get(a.url("/s/user")));
        assertEquals(1, server.invoke(a.manager.getStoreObjectName(), "signOutAll", new Object[]{"alice"},
                new String[]{String.class.getName()}));
        assertEquals("anonymous", phone.get(b.url("/s/user")));
    }

    @Test
    void theIndexFollowsLoginIdChangeSignOutInvalidationAndExpiry() throws Exception {
        startNodes(0);
        Browser browser = login(a);
        assertEquals(Set.of(browser.sessionId()), indexed("alice"));
        String renamed = browser.get(b.url("/s/change-id"));
        assertEquals(Set.of(browser.sessionId()), indexed("alice"));
        assertTrue(renamed.startsWith(browser.sessionId()), renamed);
        browser.get(a.url("/s/invalidate"));
        assertEquals(Set.of(), indexed("alice"));

        Browser app = new Browser();
        app.get(a.url("/s/set?name=user&value=carol"));
        assertEquals(Set.of(app.sessionId()), indexed("carol"));
        app.get(b.url("/s/set?name=user&value=")); // the application signs carol out: no principal
        assertEquals(Set.of(), indexed("carol"));
        app.get(b.url("/s/set?name=user&value=dave"));
        app.get(a.url("/s/timeout?seconds=60"));
        clock.advance(Duration.ofSeconds(64)); // 60 s plus the touch interval (auto: 3 s for it)
        Await.until(Duration.ofSeconds(30), "the expired session is destroyed", () -> {
            a.manager.scavenge();
            return destroyed(app.sessionId()).size() == 1;
        });
        assertEquals(Set.of(), indexed("dave"));
    }

    @Test
    void concurrentLoginsOfOneUserOnBothNodesNeverLeaveMoreThanTheLimit() throws Exception {
        startNodes(2);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Browser>> logins = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                EmbeddedNode node = i % 2 == 0 ? a : b;
                logins.add(pool.submit(() -> {
                    go.await();
                    return login(node);
                }));
            }
            go.countDown();
            List<Browser> browsers = new ArrayList<>();
            for (Future<Browser> f : logins) {
                browsers.add(f.get(60, TimeUnit.SECONDS));
            }
            long signedIn = browsers.stream().filter(br -> br.get(b.url("/s/user")).startsWith("alice")).count();
            assertEquals(2, signedIn, "sessions of alice still signed in");
            assertEquals(2, indexed("alice").size());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void ordinaryRequestsOfASignedInSessionSendOneAndTwoCommands() throws Exception {
        startNodes(3);
        Browser browser = login(a);
        browser.get(b.url("/s/get?name=user")); // each node has loaded once (the scripts are cached)
        try (RedisMonitor monitor = RedisMonitor.start(redis)) {
            monitor.clear();
            assertEquals("alice admin=true", browser.get(b.url("/s/user")));
            assertEquals(1, monitor.clientCommands().size(), monitor.clientCommands().toString());
            monitor.clear();
            browser.get(a.url("/s/set?name=theme&value=dark"));
            assertEquals(2, monitor.clientCommands().size(), monitor.clientCommands().toString());
        }
    }
}
