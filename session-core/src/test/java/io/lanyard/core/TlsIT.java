package io.lanyard.core;

import java.time.Clock;
import io.lanyard.testsupport.LogCapture;
import io.lanyard.testsupport.RedisServer;
import io.lanyard.testsupport.TlsCertificates;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.logging.Level;

import static org.junit.jupiter.api.Assertions.*;

/** {@code rediss://} against a {@code redis-server --tls-port} with a certificate made at test time. */
class TlsIT {
    static TlsCertificates certs;
    static RedisServer redis;
    static int tlsPort;

    @BeforeAll
    static void startTlsRedis() {
        certs = TlsCertificates.create();
        tlsPort = RedisServer.freePort();
        redis = RedisServer.start(certs.redisServerArgs(tlsPort));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    static LanyardSettings settings(String node, String trustStore, String password) {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri("rediss://127.0.0.1:" + tlsPort);
        s.setNodeName(node);
        s.setTrustStore(trustStore);
        s.setTrustStorePassword(password);
        s.setTrustStoreType("PKCS12");
        s.validate("/shop");
        return s;
    }

    @Test
    void sessionRoundTripsOverTls() throws Exception {
        String trust = certs.trustStore().toString();
        try (RedisSessionStore a = RedisSessionStore.start(settings("a", trust, TlsCertificates.PASSWORD), getClass().getClassLoader(), Clock.systemUTC());
             RedisSessionStore b = RedisSessionStore.start(settings("b", trust, TlsCertificates.PASSWORD), getClass().getClassLoader(), Clock.systemUTC())) {
            String id = UUID.randomUUID().toString().replace("-", "");
            SessionRecord s = a.create(id, 1800);
            s.setAttribute("user", "alice");
            s.setAttribute("cart", List.of("sku-1"));
            assertEquals(SaveResult.SAVED, a.save(s));
            SessionRecord onB = b.load(id);
            assertNotNull(onB);
            assertEquals("alice", onB.getAttribute("user"));
            assertEquals(List.of("sku-1"), onB.getAttribute("cart"));
            // The store only knows the TLS port; the server's plain port shows the data arrived.
            assertTrue(redis.exists(a.sessionKey(id)), "the hash arrived over TLS");
            assertTrue(b.delete(id));
        }
    }

    @Test
    void untrustedServerCertificateFailsWithAClearMessage() {
        try (LogCapture log = LogCapture.of("io.lanyard.core");
             RedisSessionStore store = RedisSessionStore.start(
                settings("a", certs.wrongTrustStore().toString(), TlsCertificates.PASSWORD), getClass().getClassLoader(), Clock.systemUTC())) {
            // The start-up check meets the handshake failure first: its one WARNING names the cause.
            List<String> warnings = log.messages(Level.WARNING);
            assertEquals(1, warnings.size(), log.toString());
            assertTrue(warnings.get(0).contains("TLS handshake with Redis failed: the Redis server certificate is not trusted by trustStore '"
                    + certs.wrongTrustStore() + "'"), warnings.get(0));
            assertThrows(LanyardException.RedisUnavailableException.class,
                    () -> store.load(UUID.randomUUID().toString().replace("-", "")));
        }
    }

    @Test
    void wrongTrustStorePasswordStopsTheStoreAtStart() {
        LanyardSettings s = settings("a", certs.trustStore().toString(), "not-the-password");
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                () -> RedisSessionStore.start(s, getClass().getClassLoader(), Clock.systemUTC()));
        assertTrue(e.getMessage().startsWith("cannot read trustStore '" + certs.trustStore() + "'"), e.getMessage());
    }

    @Test
    void plainRedisUriAgainstTheTlsPortIsUnavailableNotAHang() {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri("redis://127.0.0.1:" + tlsPort);
        s.setNodeName("a");
        s.setReadTimeoutMillis(1000);
        s.validate("/shop");
        try (RedisSessionStore store = RedisSessionStore.start(s, getClass().getClassLoader(), Clock.systemUTC())) {
            long t0 = System.nanoTime();
            assertThrows(LanyardException.RedisUnavailableException.class, () -> store.exists("0123456789abcdef0123"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5000, "took " + ms + " ms");
        }
    }
}
