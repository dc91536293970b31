package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LanyardSettingsTest {

    @Test
    void defaultsValidateAndApplicationComesFromTheContextPath() {
        assertEquals("shop", new LanyardSettings().validate("/shop").getApplication());
        assertEquals("ROOT", new LanyardSettings().validate("").getApplication());
        assertEquals("ROOT", new LanyardSettings().validate("/").getApplication());
        LanyardSettings s = new LanyardSettings();
        s.setApplication("store");
        assertEquals("store", s.validate("/shop").getApplication());
        assertNotNull(s.getNodeName());
        assertNull(new LanyardSettings().getApplication(), "derived only by validate, so a store cannot start unvalidated");
    }

    @Test
    void theDefaultNodeNameTellsTwoProcessesOnOneHostApart() {
        String name = new LanyardSettings().validate("/shop").getNodeName();
        assertTrue(name.endsWith("-" + ProcessHandle.current().pid()), name);
        assertTrue(name.length() > ("-" + ProcessHandle.current().pid()).length(), "a host name comes first: " + name);
        LanyardSettings named = new LanyardSettings();
        named.setNodeName("tomcat-1");
        assertEquals("tomcat-1", named.validate("/shop").getNodeName(), "a configured name is kept as it is");
    }

    @Test
    void aFreshBeanHoldsTheDefinedDefaults() {
        LanyardSettings s = new LanyardSettings();
        for (LanyardSettings.Setting setting : LanyardSettings.SETTINGS) {
            assertEquals(setting.defaultValue(), s.get(setting.name()), setting.name());
        }
        assertEquals(16, s.getPoolSize());
        assertTrue(s.isMetricsEnabled());
    }

    @Test
    void setByNameReachesTheTypedGetters() {
        LanyardSettings s = new LanyardSettings()
                .set("redisUri", " redis://h:1 ")
                .set("poolSize", "4")
                .set("metricsEnabled", "FALSE")
                .set("trustStorePassword", " pw ");
        assertEquals("redis://h:1", s.getRedisUri());
        assertEquals(4, s.getPoolSize());
        assertFalse(s.isMetricsEnabled());
        assertEquals(" pw ", s.getTrustStorePassword(), "a password is kept exactly");
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                () -> s.set("redisUrl", "redis://h:2"));
        assertTrue(e.getMessage().contains("'redisUrl'") && e.getMessage().contains("did you mean 'redisUri'"), e.getMessage());
    }

    @Test
    void closestNameForMisspeltAndPartialNames() {
        assertEquals("redisUri", LanyardSettings.closestName("redisUrl"));
        assertEquals("redisUri", LanyardSettings.closestName("url"));
        assertEquals("redisUri", LanyardSettings.closestName("REDISURI"));
        assertEquals("poolSize", LanyardSettings.closestName("pooolSize"));
        assertEquals("allowedClasses", LanyardSettings.closestName("allowedClass"));
        assertEquals("connectTimeoutMillis", LanyardSettings.closestName("timeout"));
        assertEquals("trustStorePassword", LanyardSettings.closestName("password"));
        assertEquals("scavengeIntervalSeconds", LanyardSettings.closestName("scavengeInterval"));
    }

    @Test
    void environmentOverridesGoThroughTheSameSettersAndChecks() {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri("redis://from-xml:6379");
        List<String> applied = s.applyEnvironment(Map.of("LANYARD_REDIS_URI", "redis://from-env:6380",
                "LANYARD_MAX_SESSION_BYTES", "2048", "LANYARD_METRICS_ENABLED", "false", "OTHER", "x"));
        assertEquals(List.of("redisUri", "maxSessionBytes", "metricsEnabled"), applied);
        assertEquals("redis://from-env:6380", s.getRedisUri());
        assertEquals(2048, s.getMaxSessionBytes());
        assertFalse(s.isMetricsEnabled());
        LanyardSettings bad = new LanyardSettings();
        bad.applyEnvironment(Map.of("LANYARD_POOL_SIZE", "lots"));
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class,
                () -> bad.validate("/shop"));
        assertTrue(e.getMessage().contains("LANYARD_POOL_SIZE") && e.getMessage().contains("lots"), e.getMessage());
    }

    @Test
    void everySettingHasAnEnvironmentName() {
        assertEquals("LANYARD_REDIS_URI", LanyardSettings.SETTINGS.get(0).environmentVariable());
        assertEquals("LANYARD_TRUST_STORE_PASSWORD", LanyardSettings.SETTINGS.stream()
                .filter(s -> s.name().equals("trustStorePassword")).findFirst().orElseThrow().environmentVariable());
        for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
            assertTrue(s.environmentVariable().matches("LANYARD_[A-Z_]+"), s.name());
        }
    }

    @Test
    void badValuesFailStartWithEveryProblemListedAndAreNeverReplaced() {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri("http://nope");
        s.setPoolSize(0);
        s.setAllowedClasses("java.**");
        s.setKeyPrefix("has space");
        s.set("scavengeBatchSize", "many");
        s.set("metricsEnabled", "yes");
        LanyardException.ConfigurationException e = assertThrows(LanyardException.ConfigurationException.class, () -> s.validate("/shop"));
        for (String part : List.of("unknown scheme", "poolSize", "java.**", "keyPrefix",
                "scavengeBatchSize must be a whole number, was 'many'", "metricsEnabled must be true or false, was 'yes'")) {
            assertTrue(e.getMessage().contains(part), part + " missing in: " + e.getMessage());
        }
        assertEquals(0, s.getPoolSize(), "the bad value is kept, not replaced by a default");
        assertThrows(LanyardException.ConfigurationException.class, () -> new LanyardSettings().set("nope", "1"));
        LanyardSettings grace = new LanyardSettings();
        grace.setGracePeriodSeconds(10);
        assertTrue(assertThrows(LanyardException.ConfigurationException.class, () -> grace.validate("/"))
                .getMessage().contains("gracePeriodSeconds"));
    }

    @Test
    void aLaterGoodValueReplacesAnUnreadableOne() {
        LanyardSettings s = new LanyardSettings().set("poolSize", "lots");
        s.applyEnvironment(Map.of("LANYARD_POOL_SIZE", "8"));
        assertEquals(8, s.validate("/shop").getPoolSize());
    }

    @Test
    void sealedAfterValidate() {
        LanyardSettings s = new LanyardSettings().validate("/shop");
        assertThrows(IllegalStateException.class, () -> s.setPoolSize(4));
        assertThrows(IllegalStateException.class, () -> s.set("poolSize", "4"));
    }

    @Test
    void passwordsNeverAppearInToStringOrGet() {
        LanyardSettings s = new LanyardSettings();
        s.setRedisUri("redis://app:s3cr%3At@redis.internal:6379/2");
        s.setTrustStorePassword("changeit");
        String text = s.toString() + s.get("redisUri") + s.get("trustStorePassword") + s.maskedRedisUri();
        assertFalse(text.contains("s3cr"), text);
        assertFalse(text.contains("changeit"), text);
        assertTrue(text.contains("redis://app:****@redis.internal:6379/2"), text);
    }

    @Test
    void bindSetsPrefixedSettingsTakesTheShortUriAndWarnsOfUnknownNamesWithoutTheirValues() {
        LanyardSettings s = new LanyardSettings();
        List<String> warnings = SettingSources.bind("property", "jetty.session.redis.", Map.of(
                "jetty.session.redis.uri", "redis://short-name:6379",
                "jetty.session.redis.redisUri", "redis://long-name:6379",
                "jetty.session.redis.poolSize", "4",
                "jetty.session.redis.url", "redis://:s3cret@elsewhere:6379",
                "jetty.http.port", "8080"), s::set);
        assertEquals(List.of("property jetty.session.redis.url is not a Lanyard setting and was ignored;"
                + " did you mean jetty.session.redis.uri / redisUri?"), warnings);
        assertEquals("redis://long-name:6379", s.getRedisUri(), "the setting's own name wins over the short one");
        assertEquals(4, s.getPoolSize());

        LanyardSettings bare = new LanyardSettings();
        assertEquals(List.of("<Manager> attribute uri is not a Lanyard setting and was ignored; did you mean redisUri?"),
                SettingSources.bind("<Manager> attribute", "", Map.of("uri", "redis://h:1"), bare::set),
                "the short name exists only under a prefix");
        assertEquals(List.of(), SettingSources.bind("<Manager> attribute", "", Map.of("redisUri", "redis://h:1"), bare::set));
        assertEquals("redis://h:1", bare.getRedisUri());
    }

    @Test
    void thePropertiesTemplateListsEverySettingWithItsMeaningAndDefault() {
        String template = SettingSources.template("p.");
        for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
            String property = s.name().equals("redisUri") ? "p.uri" : "p." + s.name();
            assertTrue(template.contains("## " + s.description() + "\n#" + property + "=" + s.defaultValue() + "\n")
                    || template.contains("## " + s.description() + "\n## (p.redisUri works too, and wins if both are given)\n#"
                    + property + "=" + s.defaultValue() + "\n"), property + " in:\n" + template);
        }
    }

    @Test
    void aStartingWebappTakesTheEnvironmentThenTheContainersNodeNameThenValidates() {
        LanyardSettings s = new LanyardSettings();
        assertEquals(List.of("poolSize"), SettingSources.prepare(s, Map.of("LANYARD_POOL_SIZE", "4"), "/shop", "route7"));
        assertEquals(4, s.getPoolSize());
        assertEquals("route7", s.getNodeName(), "no node name set: the container's");
        assertEquals("shop", s.getApplication());
        assertTrue(s.isSealed());
        LanyardSettings named = new LanyardSettings();
        named.setNodeName("n1");
        SettingSources.prepare(named, Map.of(), "/shop", "route7");
        assertEquals("n1", named.getNodeName(), "a configured node name wins");
        LanyardSettings fromEnvironment = new LanyardSettings();
        SettingSources.prepare(fromEnvironment, Map.of("LANYARD_NODE_NAME", "env-node"), "/shop", "route7");
        assertEquals("env-node", fromEnvironment.getNodeName(), "so does an environment override");
    }
}
