package io.lanyard.core;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.LogCapture;
import io.lanyard.testsupport.MutableClock;
import io.lanyard.testsupport.RedisCluster;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator sees in the first hour, against real Redis servers with ACL users and
 * {@code requirepass}: refused credentials or permissions stop the start with one error naming the
 * fix; an unreachable Redis is one warning and the start goes on; at run time a rotated password or
 * a revoked permission is one error (not an outage warning) and calls fail as unavailable (503);
 * DESIGN.md's least-privilege ACL user is enough for the start-up check and the session calls.
 */
class StartupCheckIT {
    /** DESIGN.md "Least privilege", for the default key prefix. */
    private static final String[] LEAST_PRIVILEGE = {"on", "resetkeys", "resetchannels", "~lanyard:*", "&lanyard:*",
            "-@all", "+@read", "+@write", "+@scripting", "+@connection", "+@keyspace", "-@admin", "-@dangerous"};
    private static final String PASSWORD = "right-pass";
    private static final String WRONG = "wrong-pass";

    private final MutableClock clock = MutableClock.now();
    private final List<RedisSessionStore> stores = new ArrayList<>();
    private RedisServer redis;
    private LogCapture log;

    @BeforeEach
    void startRedis() {
        redis = RedisServer.start();
        log = LogCapture.of("io.lanyard.core");
    }

    @AfterEach
    void stop() {
        try {
            stores.forEach(RedisSessionStore::close);
            log.close();
        } finally {
            redis.close();
        }
    }

    private void aclUser(String... rules) {
        try (Jedis admin = redis.jedis()) {
            admin.aclSetUser("app", rules);
        }
    }

    private RedisSessionStore start(String uri) {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri(uri);
        s.setNodeName("a");
        s.setConnectTimeoutMillis(1000);
        s.setReadTimeoutMillis(1000);
        s.validate("/shop");
        RedisSessionStore store = RedisSessionStore.start(s, getClass().getClassLoader(), clock);
        stores.add(store);
        return store;
    }

    private String uri(String user, String password) {
        return "redis://" + user + ":" + password + "@127.0.0.1:" + redis.port();
    }

    private static String newId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    @Test
    void aWrongPasswordStopsTheStartWithOneErrorNamingTheFix() {
        aclUser(concat(LEAST_PRIVILEGE, ">" + PASSWORD));
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                () -> start(uri("app", WRONG)));
        String masked = "redis://app:****@127.0.0.1:" + redis.port();
        assertTrue(e.getMessage().contains("WRONGPASS") && e.getMessage().contains(masked)
                && e.getMessage().contains("Fix the password or ACL user in redisUri"), e.getMessage());
        List<String> errors = log.messages(Level.SEVERE);
        assertEquals(1, errors.size(), log.toString());
        assertTrue(errors.get(0).contains(e.getMessage()) && errors.get(0).contains("The webapp is not started"), log.toString());
        assertEquals(List.of(), log.messages(Level.WARNING), "a wrong password is not an outage");
        assertFalse(log.toString().contains(WRONG) || e.getMessage().contains(WRONG), "the password was logged: " + log);
        assertFalse(log.toString().contains("session store started"), log.toString());
    }

    @Test
    void noPasswordForARequirepassServerStopsTheStart() {
        try (Jedis admin = redis.jedis()) {
            admin.configSet("requirepass", PASSWORD); // this connection stays authenticated
            LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                    () -> start(redis.uri()));
            assertTrue(e.getMessage().contains("NOAUTH") && e.getMessage().contains("redis://:<password>@host:port"),
                    e.getMessage());
            assertEquals(1, log.messages(Level.SEVERE).size(), log.toString());
            // The same server with its password: starts.
            assertNotNull(start("redis://:" + PASSWORD + "@127.0.0.1:" + redis.port()));
            assertEquals(List.of(), log.messages(Level.WARNING), log.toString());
        }
    }

    @Test
    void anAclUserWithoutTheKeyPrefixStopsTheStartNamingTheRulesItNeeds() {
        aclUser("on", ">" + PASSWORD, "~other:*", "+@all");
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                () -> start(uri("app", PASSWORD)));
        assertTrue(e.getMessage().contains("NOPERM") && e.getMessage().contains("ACL user 'app'")
                && e.getMessage().contains("ACL SETUSER app resetkeys resetchannels ~lanyard:* &lanyard:*"), e.getMessage());
        assertEquals(1, log.messages(Level.SEVERE).size(), log.toString());
    }

    @Test
    void theLeastPrivilegeUserOfTheDesignIsEnough() {
        aclUser(concat(LEAST_PRIVILEGE, ">" + PASSWORD));
        RedisSessionStore store = start(uri("app", PASSWORD));
        String id = newId();
        SessionRecord s = store.create(id, 60);
        s.setAttribute("user", "alice");
        assertEquals(SaveResult.SAVED, store.save(s));
        assertEquals("alice", store.load(id).getAttribute("user"));
        assertTrue(store.exists(id));
        String other = newId();
        assertTrue(store.changeId(store.load(id), other));
        clock.advance(Duration.ofMinutes(2));
        List<String> expired = new ArrayList<>();
        store.scavenge(record -> expired.add(record.id()));
        assertEquals(List.of(other), expired);
        assertEquals(List.of(), log.messages(Level.SEVERE), log.toString());
        assertEquals(List.of(), log.messages(Level.WARNING), log.toString());
        // The start-up line lists every setting, the password masked.
        String started = log.messages(Level.INFO).stream().filter(m -> m.startsWith("Lanyard session store started:"))
                .findFirst().orElseThrow(() -> new AssertionError(log.toString()));
        for (LanyardSettings.Setting setting : LanyardSettings.SETTINGS) {
            assertTrue(started.contains(setting.name() + "="), setting.name() + " in " + started);
        }
        assertTrue(started.contains("redisUri=redis://app:****@127.0.0.1:" + redis.port())
                && started.contains("connectTimeoutMillis=1000") && started.contains("application=shop"), started);
        assertFalse(started.contains(PASSWORD), started);
    }

    @Test
    void anUnreachableRedisIsOneWarningAtStartAndTheStoreRecoversWhenItComesUp() {
        redis.kill(); // nothing listens on its port now
        String uri = "redis://:" + PASSWORD + "@127.0.0.1:" + redis.port();
        RedisSessionStore store = assertTimeout(Duration.ofSeconds(20), () -> start(uri), "the start is bounded by the timeouts");
        List<String> warnings = log.messages(Level.WARNING);
        assertEquals(1, warnings.size(), log.toString());
        assertTrue(warnings.get(0).contains("redis://:****@127.0.0.1:" + redis.port())
                && warnings.get(0).contains("cannot be reached at start"), warnings.get(0));
        assertFalse(log.toString().contains(PASSWORD), log.toString());
        assertEquals(List.of(), log.messages(Level.SEVERE), log.toString());
        assertTrue(log.messages(Level.INFO).stream().anyMatch(m -> m.startsWith("Lanyard session store started:")), log.toString());
        assertThrows(LanyardException.RedisUnavailableException.class, () -> store.load(newId()));

        redis.restart();
        try (Jedis admin = redis.jedis()) {
            admin.configSet("requirepass", PASSWORD);
        }
        // Request threads never probe: the store's background probe (one a second) finds Redis back.
        Await.until(Duration.ofSeconds(10), "the store works again", () -> {
            try {
                return store.load(newId()) == null;
            } catch (LanyardException.RedisUnavailableException notYet) {
                return false;
            }
        });
        assertEquals(1, log.messages(Level.WARNING).size(), "no warning per call: " + log);
        assertTrue(log.messages(Level.INFO).stream().anyMatch(m -> m.contains("reachable again")), log.toString());
    }

    @Test
    void aPasswordRotatedAtRunTimeIsOneErrorAndCallsFailAsUnavailable() {
        aclUser(concat(LEAST_PRIVILEGE, ">" + PASSWORD));
        RedisSessionStore store = start(uri("app", PASSWORD));
        String id = newId();
        SessionRecord s = store.create(id, 1800);
        s.setAttribute("user", "alice");
        store.save(s);
        try (Jedis admin = redis.jedis()) {
            // As when Redis restarts with a new password: the pooled connections are dropped too.
            admin.aclSetUser("app", "resetpass", ">rotated");
            admin.clientKill(ClientKillParams.clientKillParams().user("app"));
        }
        for (int i = 0; i < 20; i++) {
            assertThrows(LanyardException.RedisUnavailableException.class, () -> store.load(id));
        }
        // The dropped connections may be noticed first, as an outage: then the background probe meets the refusal.
        Await.until(Duration.ofSeconds(10), "the refused password is logged", () -> !log.messages(Level.SEVERE).isEmpty());
        List<String> errors = log.messages(Level.SEVERE);
        assertEquals(1, errors.size(), "one error, not one per call: " + log);
        assertTrue(errors.get(0).contains("WRONGPASS") && errors.get(0).contains("Fix the password or ACL user in redisUri")
                && errors.get(0).contains("fail with 503"), errors.get(0));
        // The dropped connections may be noticed first, as an outage: at most that one warning.
        assertTrue(log.messages(Level.WARNING).size() <= 1, log.toString());

        aclUser(">" + PASSWORD); // the old password is accepted again
        Await.until(Duration.ofSeconds(10), "the store works again", () -> {
            try {
                return "alice".equals(store.load(id).getAttribute("user"));
            } catch (LanyardException.RedisUnavailableException notYet) {
                return false;
            }
        });
        assertTrue(log.messages(Level.INFO).stream().anyMatch(m -> m.contains("reachable again")), log.toString());
        assertEquals(1, log.messages(Level.SEVERE).size(), log.toString());
    }

    @Test
    void aPermissionRevokedAtRunTimeIsOneErrorNotAnOutage() {
        aclUser(concat(LEAST_PRIVILEGE, ">" + PASSWORD));
        RedisSessionStore store = start(uri("app", PASSWORD));
        String id = newId();
        SessionRecord s = store.create(id, 1800);
        s.setAttribute("user", "alice");
        store.save(s);
        aclUser("resetkeys", "~other:*"); // applies to the open connections at once
        for (int i = 0; i < 20; i++) {
            assertThrows(LanyardException.RedisUnavailableException.class, () -> store.load(id));
        }
        // The dropped connections may be noticed first, as an outage: then the background probe meets the refusal.
        Await.until(Duration.ofSeconds(10), "the refused password is logged", () -> !log.messages(Level.SEVERE).isEmpty());
        List<String> errors = log.messages(Level.SEVERE);
        assertEquals(1, errors.size(), log.toString());
        assertTrue(errors.get(0).contains("NOPERM") && errors.get(0).contains("~lanyard:*"), errors.get(0));
        assertEquals(List.of(), log.messages(Level.WARNING), "a permission error is not an outage: " + log);

        aclUser("resetkeys", "~lanyard:*");
        Await.until(Duration.ofSeconds(10), "the store works again", () -> {
            try {
                return "alice".equals(store.load(id).getAttribute("user"));
            } catch (LanyardException.RedisUnavailableException notYet) {
                return false;
            }
        });
    }

    /**
     * On Cluster the client also reads the slot map ({@code CLUSTER SLOTS}): a user without it is
     * refused at start with the rule to add; with it, the least-privilege user is enough.
     */
    @Test
    void onClusterTheStartCheckNamesTheMissingRuleAndAWrongPassword() {
        try (RedisCluster cluster = RedisCluster.start(3, 0)) {
            aclUserOn(cluster, concat(LEAST_PRIVILEGE, ">" + PASSWORD));
            String seeds = "@" + cluster.uri().substring("redis-cluster://".length());
            LanyardException.ConfigurationException wrong = assertThrows(LanyardException.ConfigurationException.class,
                    () -> start("redis-cluster://app:" + WRONG + seeds));
            assertTrue(wrong.getMessage().contains("WRONGPASS") && wrong.getMessage().contains("redis-cluster://app:****@"),
                    wrong.getMessage());
            LanyardException.ConfigurationException slots = assertThrows(LanyardException.ConfigurationException.class,
                    () -> start("redis-cluster://app:" + PASSWORD + seeds));
            assertTrue(slots.getMessage().contains("NOPERM") && slots.getMessage().contains("+@keyspace +cluster|slots -@admin"),
                    slots.getMessage());
            assertEquals(2, log.messages(Level.SEVERE).size(), log.toString());
            assertEquals(List.of(), log.messages(Level.WARNING), "refused, not unreachable: " + log);

            aclUserOn(cluster, "+cluster|slots");
            RedisSessionStore store = start("redis-cluster://app:" + PASSWORD + seeds);
            String id = newId();
            SessionRecord s = store.create(id, 60);
            s.setAttribute("user", "alice");
            assertEquals(SaveResult.SAVED, store.save(s));
            assertEquals("alice", store.load(id).getAttribute("user"));
        }
    }

    private static void aclUserOn(RedisCluster cluster, String... rules) {
        for (RedisCluster.Node master : cluster.masters()) {
            try (Jedis admin = master.admin()) {
                admin.aclSetUser("app", rules);
            }
        }
    }

    private static String[] concat(String[] rules, String more) {
        String[] all = java.util.Arrays.copyOf(rules, rules.length + 1);
        all[rules.length] = more;
        return all;
    }
}
