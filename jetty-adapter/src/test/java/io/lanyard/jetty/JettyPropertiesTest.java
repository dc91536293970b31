package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.core.LanyardSettings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;

/**
 * The module's {@code jetty.session.redis.*} properties: the shipped {@code properties.xml} through
 * Jetty's own XmlConfiguration (which finds {@link JettyProperties} by ServiceLoader), unknown
 * names and the {@code uri} alias (the binding and the ini template themselves: LanyardSettingsTest).
 * On the real distribution: JettyDistributionIT.
 */
class JettyPropertiesTest {
    static final Path PROPERTIES_XML = Path.of("src/main/jetty/etc/sessions/redis/properties.xml");

    /** Shows the settings a webapp's store gets. */
    static final class Capturing extends RedisSessionDataStoreFactory {
        private LanyardSettings last;

        @Override
        protected RedisSessionDataStore newStore(LanyardSettings settings) {
            last = settings;
            return super.newStore(settings);
        }

        LanyardSettings storeSettings() {
            getSessionDataStore(null);
            return last;
        }
    }

    private static Object configure(Map<String, String> properties, Map<String, Object> ids) throws Exception {
        XmlConfiguration xml = new XmlConfiguration(ResourceFactory.root().newResource(PROPERTIES_XML), ids, properties);
        return xml.configure();
    }

    @Test
    void theShippedFileSetsEveryPropertyOnTheFactory() throws Exception {
        Capturing factory = new Capturing();
        Map<String, String> properties = new HashMap<>(Map.of(
                "jetty.session.redis.uri", "redis://10.0.0.5:6379",
                "jetty.session.redis.poolSize", "4",
                "jetty.session.redis.metricsEnabled", "false",
                "jetty.session.redis.url", "redis://:s3cret@elsewhere:6379",
                "jetty.http.port", "8080"));
        Map<String, Object> ids = new HashMap<>(Map.of("sessionDataStoreFactory", factory));
        assertSame(factory, configure(properties, ids));
        LanyardSettings s = factory.storeSettings();
        assertEquals("redis://10.0.0.5:6379", s.getRedisUri());
        assertEquals(4, s.getPoolSize());
        assertFalse(s.isMetricsEnabled());
        assertEquals(LanyardSettings.defaults().get("keyPrefix"), s.getKeyPrefix(), "a property not given keeps the default");
    }

    @Test
    void withoutTheFactoryTheFileFailsClearly() {
        Exception e = assertThrows(IllegalStateException.class, () -> configure(new HashMap<>(), new HashMap<>()));
        assertTrue(e.getMessage().contains("sessionDataStoreFactory"), e.getMessage());
    }

    @Test
    void anUnknownPropertyIsReportedWithTheClosestOneAndNotItsValue() {
        Capturing factory = new Capturing();
        factory.setProperties(Map.of(
                "jetty.session.redis.url", "redis://:s3cret@elsewhere:6379",
                "jetty.session.redis.scavengeInterval", "10",
                "jetty.session.redis.redisUri", "redis://long-name:6379",
                "jetty.session.redis.uri", "redis://short-name:6379"));
        assertEquals(List.of(
                "property jetty.session.redis.scavengeInterval is not a Lanyard setting and was ignored;"
                        + " did you mean jetty.session.redis.scavengeIntervalSeconds?",
                "property jetty.session.redis.url is not a Lanyard setting and was ignored;"
                        + " did you mean jetty.session.redis.uri / redisUri?"), factory.storeSettings().ignoredNames(),
                "each webapp's store logs them when it starts");
        assertEquals("redis://long-name:6379", factory.storeSettings().getRedisUri(), "the setting's own name wins");
    }
}
