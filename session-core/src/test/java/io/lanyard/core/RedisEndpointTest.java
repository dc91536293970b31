package io.lanyard.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RedisEndpointTest {

    private static List<String> hosts(RedisEndpoint e) {
        return e.hosts().stream().map(RedisEndpoint.HostPort::toString).toList();
    }

    @Test
    void standalone() {
        RedisEndpoint e = RedisEndpoint.parse("redis://redis.internal:6380/2");
        assertEquals(RedisEndpoint.Mode.STANDALONE, e.mode());
        assertFalse(e.tls());
        assertEquals(List.of("redis.internal:6380"), hosts(e));
        assertEquals(2, e.database());
        assertNull(e.user());
        assertNull(e.password());
    }

    @Test
    void standaloneDefaultsToPort6379AndDatabase0() {
        RedisEndpoint e = RedisEndpoint.parse("redis://localhost");
        assertEquals(List.of("localhost:6379"), hosts(e));
        assertEquals(0, e.database());
        assertEquals(0, RedisEndpoint.parse("redis://localhost:6379/").database());
    }

    @Test
    void tlsWithUserAndPassword() {
        RedisEndpoint e = RedisEndpoint.parse("rediss://app:s3cr%40t@10.0.0.5:6390");
        assertEquals(RedisEndpoint.Mode.STANDALONE, e.mode());
        assertTrue(e.tls());
        assertEquals("app", e.user());
        assertEquals("s3cr@t", e.password(), "credentials are URL-decoded");
        assertEquals(List.of("10.0.0.5:6390"), hosts(e));
    }

    @Test
    void passwordOnlyAndPlusSignKeptLiterally() {
        RedisEndpoint e = RedisEndpoint.parse("redis://:pa+ss@h:1");
        assertNull(e.user());
        assertEquals("pa+ss", e.password());
        RedisEndpoint p = RedisEndpoint.parse("redis://only-password@h:1");
        assertNull(p.user());
        assertEquals("only-password", p.password());
    }

    @Test
    void ipv6Literal() {
        RedisEndpoint e = RedisEndpoint.parse("redis://[::1]:6390");
        assertEquals("::1", e.hosts().get(0).host());
        assertEquals(6390, e.hosts().get(0).port());
        assertEquals(6379, RedisEndpoint.parse("redis://[::1]").hosts().get(0).port());
    }

    @Test
    void sentinel() {
        RedisEndpoint e = RedisEndpoint.parse("redis-sentinel://u:p@s1:26379,s2:26380,s3/mymaster/3");
        assertEquals(RedisEndpoint.Mode.SENTINEL, e.mode());
        assertFalse(e.tls());
        assertEquals(List.of("s1:26379", "s2:26380", "s3:26379"), hosts(e), "sentinel port defaults to 26379");
        assertEquals("mymaster", e.masterName());
        assertEquals(3, e.database());
        assertEquals("u", e.user());
        assertEquals("p", e.password());
        assertEquals(0, RedisEndpoint.parse("redis-sentinel://s1:26379/mymaster").database());
        assertTrue(RedisEndpoint.parse("rediss-sentinel://s1:26379/mymaster").tls());
    }

    @Test
    void cluster() {
        RedisEndpoint e = RedisEndpoint.parse("redis-cluster://n1:7000, n2:7001 ,n3");
        assertEquals(RedisEndpoint.Mode.CLUSTER, e.mode());
        assertEquals(List.of("n1:7000", "n2:7001", "n3:6379"), hosts(e));
        assertEquals(0, e.database());
        assertTrue(RedisEndpoint.parse("rediss-cluster://n1:7000").tls());
        assertEquals(RedisEndpoint.Mode.CLUSTER, RedisEndpoint.parse("REDIS-CLUSTER://n1:7000").mode(), "scheme is case-insensitive");
    }

    @Test
    void passwordIsMaskedEverywhere() {
        String uri = "redis-sentinel://admin:hunter2@s1:26379,s2:26379/mymaster";
        RedisEndpoint e = RedisEndpoint.parse(uri);
        assertEquals("redis-sentinel://admin:****@s1:26379,s2:26379/mymaster", e.toString());
        assertEquals("redis://****@h:1", RedisEndpoint.mask("redis://hunter2@h:1"));
        assertEquals("rediss://:****@h:1", RedisEndpoint.mask("rediss://:hunter2@h:1"));
        assertEquals("redis://h:1", RedisEndpoint.mask("redis://h:1"));
        assertNull(RedisEndpoint.mask(null));
        // A password containing '@' is still masked whole.
        assertEquals("redis://u:****@h:1", RedisEndpoint.mask("redis://u:p@ss@h:1"));
        assertEquals("p@ss", RedisEndpoint.parse("redis://u:p@ss@h:1").password());

        LanyardException.ConfigurationException bad = assertThrows(LanyardException.ConfigurationException.class,
                () -> RedisEndpoint.parse("redis://u:hunter2@h:notaport"));
        assertFalse(bad.getMessage().contains("hunter2"), bad.getMessage());
        assertTrue(bad.getMessage().contains("redis://u:****@h:notaport"), bad.getMessage());

        // Without a scheme (LANYARD_REDIS_URI=user:secret@host:6379) everything before '@' may be secret.
        LanyardException.ConfigurationException noScheme = assertThrows(LanyardException.ConfigurationException.class,
                () -> RedisEndpoint.parse("app:hunter2@h:6379"));
        assertFalse(noScheme.getMessage().contains("hunter2"), noScheme.getMessage());
        assertEquals("****@h:6379", RedisEndpoint.mask("app:hunter2@h:6379"));
        // A bad %-escape in the password is a configuration error that does not quote the password.
        LanyardException.ConfigurationException escape = assertThrows(LanyardException.ConfigurationException.class,
                () -> RedisEndpoint.parse("redis://u:hunt%zz2@h:1"));
        assertFalse(escape.getMessage().contains("zz"), escape.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''                                   | redisUri is empty",
            "localhost:6379                       | missing scheme",
            "http://h:1                           | unknown scheme 'http'",
            "redis://h:0                          | port out of range: 0",
            "redis://h:65536                      | port out of range: 65536",
            "redis://h:abc                        | port is not a number: 'abc'",
            "redis://h:1/x                        | database must be a number, was 'x'",
            "redis://h:1/-1                       | database number must be >= 0",
            "redis://h:1/0/1                      | expected at most one path segment",
            "redis://h1:1,h2:2                    | names exactly one host",
            "redis://h:1?timeout=5                | query parameters are not supported",
            "redis://:1                           | empty host",
            "redis://                             | empty host",
            "redis://[::1                         | unclosed IPv6 literal",
            "redis-sentinel://s1:26379            | needs the master name",
            "redis-sentinel://s1:26379/m/0/x      | expected /masterName[/db]",
            "redis-sentinel://s1:26379,,s2/m      | empty host",
            "redis-cluster://n1:7000/0            | Redis Cluster has only database 0",
    })
    void badUrisGiveClearErrors(String uri, String expected) {
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                () -> RedisEndpoint.parse(uri));
        assertTrue(e.getMessage().startsWith("invalid redisUri '"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void settingsValidationRejectsABadUriAtStart() {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri("redis-cluster://n1:7000/0");
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                () -> s.validate("/shop"));
        assertTrue(e.getMessage().contains("Redis Cluster has only database 0"), e.getMessage());
    }
}
