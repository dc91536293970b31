package io.lanyard.core;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * All Lanyard settings: one plain setter bean shared by both adapters. Tomcat's Digester sets it
 * from {@code <Manager>} attributes, Jetty XML from {@code jetty.session.redis.*} properties; an
 * environment variable {@code LANYARD_FOO_BAR} overrides setting {@code fooBar} through the same
 * setters. {@link #validate()} runs once at start and fails on any bad value (never silently
 * replaced by a default); afterwards the bean is sealed.
 */
public final class LanyardSettings {

    /** Name, default and meaning of every setting, in the order the README table lists them. */
    public static final List<Setting> SETTINGS = List.of(
            new Setting("redisUri", "redis://127.0.0.1:6379",
                    "Where Redis is: redis://, rediss:// (TLS), redis-sentinel:// or redis-cluster:// (see README)."),
            new Setting("keyPrefix", "lanyard", "First part of every Redis key."),
            new Setting("application", "context path",
                    "Application part of the key; default: context path without the leading '/', 'ROOT' for the root context."),
            new Setting("allowedClasses", "", "Comma-separated class patterns (a.b.C, a.b.*, a.b.**) Kryo may instantiate on top of the built-in safe set."),
            new Setting("gracePeriodSeconds", "300", "How long an expired session stays in Redis so listeners can still read it (TTL = expiry + grace)."),
            new Setting("maxSessionBytes", "1048576", "Largest encoded session (all attributes); a larger save is refused whole."),
            new Setting("connectTimeoutMillis", "2000", "Redis connect timeout."),
            new Setting("readTimeoutMillis", "2000", "Redis read (socket) timeout."),
            new Setting("poolSize", "16", "Maximum Redis connections per node and application."),
            new Setting("expiryShards", "16", "Number of expiry-index sorted sets (spread over Cluster slots). Keep it fixed for a deployment."),
            new Setting("scavengeIntervalSeconds", "30", "How often a node looks for expired sessions (jittered by up to 25%)."),
            new Setting("claimLeaseSeconds", "60", "How long a node owns an expired session it claimed before another node may retry it."),
            new Setting("scavengeBatchSize", "100", "How many due sessions a node claims per expiry shard and scan."),
            new Setting("nodeName", "host name", "This node's name, written to the 'node' field of every session it touches."),
            new Setting("metricsEnabled", "true", "Count loads, saves, bytes, commands, errors; false = a no-op recorder."),
            new Setting("trustStore", "", "Trust store file for rediss:// (default: the JVM's trust store)."),
            new Setting("trustStorePassword", "", "Password of trustStore."),
            new Setting("trustStoreType", "PKCS12", "Type of trustStore (PKCS12 or JKS)."));

    /** One setting: its name, default and one-line meaning. */
    public record Setting(String name, String defaultValue, String description) {
        /** The environment variable that overrides this setting, e.g. {@code LANYARD_REDIS_URI}. */
        public String environmentVariable() {
            StringBuilder sb = new StringBuilder("LANYARD_");
            for (char c : name.toCharArray()) {
                if (Character.isUpperCase(c)) {
                    sb.append('_');
                }
                sb.append(Character.toUpperCase(c));
            }
            return sb.toString();
        }
    }

    private String redisUri = "redis://127.0.0.1:6379";
    private String keyPrefix = "lanyard";
    private String application;
    private String allowedClasses = "";
    private int gracePeriodSeconds = 300;
    private int maxSessionBytes = 1024 * 1024;
    private int connectTimeoutMillis = 2000;
    private int readTimeoutMillis = 2000;
    private int poolSize = 16;
    private int expiryShards = 16;
    private int scavengeIntervalSeconds = 30;
    private int claimLeaseSeconds = 60;
    private int scavengeBatchSize = 100;
    private String nodeName;
    private boolean metricsEnabled = true;
    private String trustStore = "";
    private String trustStorePassword = "";
    private String trustStoreType = "PKCS12";

    private volatile boolean sealed;

    /** Sets {@code name} from text, converting and checking the value the way {@link #validate()} will. */
    public LanyardSettings set(String name, String value) {
        Binding b = BINDINGS.get(name);
        if (b == null) {
            throw new LanyardException.ConfigurationException("unknown Lanyard setting '" + name + "'; known: " + BINDINGS.keySet());
        }
        b.setter.accept(this, value);
        return this;
    }

    /** The current value of {@code name} as text (passwords masked). */
    public String get(String name) {
        Binding b = BINDINGS.get(name);
        if (b == null) {
            throw new LanyardException.ConfigurationException("unknown Lanyard setting '" + name + "'");
        }
        return b.getter.apply(this);
    }

    /**
     * Applies {@code LANYARD_*} overrides from {@code environment} (normally {@code System.getenv()}).
     * Returns the names of the settings that were overridden, for the start-up log line.
     */
    public List<String> applyEnvironment(Map<String, String> environment) {
        List<String> applied = new ArrayList<>();
        for (Setting s : SETTINGS) {
            String value = environment.get(s.environmentVariable());
            if (value != null) {
                try {
                    set(s.name(), value);
                } catch (LanyardException.ConfigurationException e) {
                    throw new LanyardException.ConfigurationException(s.environmentVariable() + ": " + e.getMessage());
                }
                applied.add(s.name());
            }
        }
        return applied;
    }

    /**
     * Checks every value once, fills the context-dependent defaults and seals the bean. Throws
     * {@link LanyardException.ConfigurationException} listing every problem.
     *
     * @param contextPath the webapp's context path ("" or "/" for the root), used when
     *                    {@code application} is not set
     */
    public LanyardSettings validate(String contextPath) {
        List<String> problems = new ArrayList<>();
        if (application == null || application.isBlank()) {
            application = applicationFromContextPath(contextPath);
            if ("/ROOT".equals(contextPath)) {
                problems.add("the context path /ROOT would share Redis keys with the root context (both 'ROOT');"
                        + " set application explicitly");
            }
        }
        if (nodeName == null || nodeName.isBlank()) {
            nodeName = defaultNodeName();
        }
        try {
            RedisEndpoint.parse(redisUri);
        } catch (LanyardException.ConfigurationException e) {
            problems.add(e.getMessage());
        }
        checkKeyPart("keyPrefix", keyPrefix, problems);
        checkKeyPart("application", application, problems);
        try {
            ClassAllowlist.parse(allowedClasses);
        } catch (LanyardException.ConfigurationException e) {
            problems.add(e.getMessage());
        }
        positive("gracePeriodSeconds", gracePeriodSeconds, problems);
        positive("maxSessionBytes", maxSessionBytes, problems);
        positive("connectTimeoutMillis", connectTimeoutMillis, problems);
        positive("readTimeoutMillis", readTimeoutMillis, problems);
        positive("poolSize", poolSize, problems);
        positive("expiryShards", expiryShards, problems);
        positive("scavengeIntervalSeconds", scavengeIntervalSeconds, problems);
        positive("claimLeaseSeconds", claimLeaseSeconds, problems);
        positive("scavengeBatchSize", scavengeBatchSize, problems);
        if (expiryShards > 1024) {
            problems.add("expiryShards must be at most 1024, was " + expiryShards);
        }
        // An expired session must outlive the time a node needs to find it and run its listeners,
        // or sessionDestroyed would see an empty hash.
        if (gracePeriodSeconds > 0 && scavengeIntervalSeconds > 0 && gracePeriodSeconds < 2L * scavengeIntervalSeconds + claimLeaseSeconds) {
            problems.add("gracePeriodSeconds (" + gracePeriodSeconds + ") must be at least 2 x scavengeIntervalSeconds + claimLeaseSeconds ("
                    + (2L * scavengeIntervalSeconds + claimLeaseSeconds) + ") so expired sessions are still readable when a node scavenges them");
        }
        if (!trustStoreType.equalsIgnoreCase("PKCS12") && !trustStoreType.equalsIgnoreCase("JKS")) {
            problems.add("trustStoreType must be PKCS12 or JKS, was '" + trustStoreType + "'");
        }
        if (!trustStore.isEmpty() && !new java.io.File(trustStore).canRead()) {
            problems.add("trustStore '" + trustStore + "' is not a readable file");
        }
        if (!problems.isEmpty()) {
            throw new LanyardException.ConfigurationException("invalid Lanyard settings: " + String.join("; ", problems));
        }
        sealed = true;
        return this;
    }

    /** "/shop" becomes "shop", "" and "/" become "ROOT", Jetty's "_shop" style names are not passed here. */
    public static String applicationFromContextPath(String contextPath) {
        if (contextPath == null || contextPath.isEmpty() || contextPath.equals("/")) {
            return "ROOT";
        }
        return contextPath.startsWith("/") ? contextPath.substring(1) : contextPath;
    }

    private static String defaultNodeName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "node";
        }
    }

    private static void checkKeyPart(String name, String value, List<String> problems) {
        if (value == null || value.isEmpty()) {
            problems.add(name + " must not be empty");
            return;
        }
        for (char c : value.toCharArray()) {
            // ':' separates key parts: keyPrefix=a + application=b:c would share keys with a:b + c.
            if (c <= ' ' || c == '{' || c == '}' || c == ':' || c == 127) {
                problems.add(name + " must not contain spaces, control characters, braces or ':', was '" + value + "'");
                return;
            }
        }
    }

    private static void positive(String name, long value, List<String> problems) {
        if (value <= 0) {
            problems.add(name + " must be greater than 0, was " + value);
        }
    }

    private void checkNotSealed() {
        if (sealed) {
            throw new IllegalStateException("Lanyard settings are sealed after start; change them in the configuration and restart");
        }
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new LanyardException.ConfigurationException(name + " must be a whole number, was '" + value + "'");
        }
    }

    private static boolean parseBoolean(String name, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new LanyardException.ConfigurationException(name + " must be true or false, was '" + value + "'");
    }

    // ---- bean accessors (Digester / Jetty XML / embedded use) ----

    public String getRedisUri() { return redisUri; }
    public void setRedisUri(String v) { checkNotSealed(); redisUri = v == null ? null : v.trim(); }
    public String getKeyPrefix() { return keyPrefix; }
    public void setKeyPrefix(String v) { checkNotSealed(); keyPrefix = v; }
    public String getApplication() { return application; }
    public void setApplication(String v) { checkNotSealed(); application = v; }
    public String getAllowedClasses() { return allowedClasses; }
    public void setAllowedClasses(String v) { checkNotSealed(); allowedClasses = v == null ? "" : v; }
    public int getGracePeriodSeconds() { return gracePeriodSeconds; }
    public void setGracePeriodSeconds(int v) { checkNotSealed(); gracePeriodSeconds = v; }
    public int getMaxSessionBytes() { return maxSessionBytes; }
    public void setMaxSessionBytes(int v) { checkNotSealed(); maxSessionBytes = v; }
    public int getConnectTimeoutMillis() { return connectTimeoutMillis; }
    public void setConnectTimeoutMillis(int v) { checkNotSealed(); connectTimeoutMillis = v; }
    public int getReadTimeoutMillis() { return readTimeoutMillis; }
    public void setReadTimeoutMillis(int v) { checkNotSealed(); readTimeoutMillis = v; }
    public int getPoolSize() { return poolSize; }
    public void setPoolSize(int v) { checkNotSealed(); poolSize = v; }
    public int getExpiryShards() { return expiryShards; }
    public void setExpiryShards(int v) { checkNotSealed(); expiryShards = v; }
    public int getScavengeIntervalSeconds() { return scavengeIntervalSeconds; }
    public void setScavengeIntervalSeconds(int v) { checkNotSealed(); scavengeIntervalSeconds = v; }
    public int getClaimLeaseSeconds() { return claimLeaseSeconds; }
    public void setClaimLeaseSeconds(int v) { checkNotSealed(); claimLeaseSeconds = v; }
    public int getScavengeBatchSize() { return scavengeBatchSize; }
    public void setScavengeBatchSize(int v) { checkNotSealed(); scavengeBatchSize = v; }
    public String getNodeName() { return nodeName; }
    public void setNodeName(String v) { checkNotSealed(); nodeName = v; }
    public boolean isMetricsEnabled() { return metricsEnabled; }
    public void setMetricsEnabled(boolean v) { checkNotSealed(); metricsEnabled = v; }
    public String getTrustStore() { return trustStore; }
    public void setTrustStore(String v) { checkNotSealed(); trustStore = v == null ? "" : v.trim(); }
    public String getTrustStorePassword() { return trustStorePassword; }
    public void setTrustStorePassword(String v) { checkNotSealed(); trustStorePassword = v == null ? "" : v; }
    public String getTrustStoreType() { return trustStoreType; }
    public void setTrustStoreType(String v) { checkNotSealed(); trustStoreType = v == null ? "PKCS12" : v.trim(); }

    /** The Redis URI with any password replaced by {@code ****}: the only form that may be logged. */
    public String maskedRedisUri() {
        return RedisEndpoint.mask(redisUri);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LanyardSettings{");
        for (Setting s : SETTINGS) {
            sb.append(s.name()).append('=').append(get(s.name())).append(", ");
        }
        sb.setLength(sb.length() - 2);
        return sb.append('}').toString();
    }

    private record Binding(BiConsumer<LanyardSettings, String> setter, Function<LanyardSettings, String> getter) {
    }

    private static final Map<String, Binding> BINDINGS = new LinkedHashMap<>();

    static {
        BINDINGS.put("redisUri", new Binding(LanyardSettings::setRedisUri, LanyardSettings::maskedRedisUri));
        BINDINGS.put("keyPrefix", new Binding(LanyardSettings::setKeyPrefix, s -> s.keyPrefix));
        BINDINGS.put("application", new Binding(LanyardSettings::setApplication, s -> String.valueOf(s.application)));
        BINDINGS.put("allowedClasses", new Binding(LanyardSettings::setAllowedClasses, s -> s.allowedClasses));
        intBinding("gracePeriodSeconds", LanyardSettings::setGracePeriodSeconds, s -> s.gracePeriodSeconds);
        intBinding("maxSessionBytes", LanyardSettings::setMaxSessionBytes, s -> s.maxSessionBytes);
        intBinding("connectTimeoutMillis", LanyardSettings::setConnectTimeoutMillis, s -> s.connectTimeoutMillis);
        intBinding("readTimeoutMillis", LanyardSettings::setReadTimeoutMillis, s -> s.readTimeoutMillis);
        intBinding("poolSize", LanyardSettings::setPoolSize, s -> s.poolSize);
        intBinding("expiryShards", LanyardSettings::setExpiryShards, s -> s.expiryShards);
        intBinding("scavengeIntervalSeconds", LanyardSettings::setScavengeIntervalSeconds, s -> s.scavengeIntervalSeconds);
        intBinding("claimLeaseSeconds", LanyardSettings::setClaimLeaseSeconds, s -> s.claimLeaseSeconds);
        intBinding("scavengeBatchSize", LanyardSettings::setScavengeBatchSize, s -> s.scavengeBatchSize);
        BINDINGS.put("nodeName", new Binding(LanyardSettings::setNodeName, s -> String.valueOf(s.nodeName)));
        BINDINGS.put("metricsEnabled", new Binding((s, v) -> s.setMetricsEnabled(parseBoolean("metricsEnabled", v)),
                s -> String.valueOf(s.metricsEnabled)));
        BINDINGS.put("trustStore", new Binding(LanyardSettings::setTrustStore, s -> s.trustStore));
        BINDINGS.put("trustStorePassword", new Binding(LanyardSettings::setTrustStorePassword,
                s -> s.trustStorePassword.isEmpty() ? "" : "****"));
        BINDINGS.put("trustStoreType", new Binding(LanyardSettings::setTrustStoreType, s -> s.trustStoreType));
        if (!BINDINGS.keySet().equals(new java.util.LinkedHashSet<>(SETTINGS.stream().map(Setting::name).toList()))) {
            throw new AssertionError("SETTINGS and BINDINGS disagree");
        }
    }

    private static void intBinding(String name, java.util.function.ObjIntConsumer<LanyardSettings> setter,
                                   java.util.function.ToIntFunction<LanyardSettings> getter) {
        BINDINGS.put(name, new Binding((s, v) -> setter.accept(s, parseInt(name, v)), s -> String.valueOf(getter.applyAsInt(s))));
    }
}
