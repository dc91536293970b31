package io.lanyard.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.lanyard.core.SettingKind.BOOLEAN;
import static io.lanyard.core.SettingKind.COUNT;
import static io.lanyard.core.SettingKind.COUNT_OR_AUTO;
import static io.lanyard.core.SettingKind.POSITIVE;
import static io.lanyard.core.SettingKind.SECRET;
import static io.lanyard.core.SettingKind.TEXT;
import static io.lanyard.core.SettingKind.URI;

/**
 * All Lanyard settings: one plain setter bean shared by both adapters.
 *
 * <p>Each setting is defined exactly once, below: its name, type, default and meaning, followed by
 * its typed getter and setter. Everything else comes from that definition: {@link #SETTINGS}
 * (README table, Jetty module template, JMX), {@link #set(String, String)} (Tomcat's
 * {@code <Manager>} attributes, Jetty's {@code jetty.session.redis.*} properties) and the
 * {@code LANYARD_FOO_BAR} environment overrides, which go through the same path.
 *
 * <p>A value that cannot be read (a word where a number belongs) is kept as a problem, so that
 * {@link #validate(String)}, which runs once at start, fails listing every problem at once; a bad
 * value is never silently replaced by a default. After {@code validate} the bean is sealed.
 */
public final class LanyardSettings {

    /** Filled by {@link #define} in the order of the definitions below. */
    private static final List<Setting> DEFINED = new ArrayList<>();

    // ---- the settings: definition, then typed accessors; README order ----

    private static final Setting REDIS_URI = define("redisUri", URI, "redis://127.0.0.1:6379",
            "Where Redis is: redis://host:port, rediss:// (TLS), redis-sentinel://s1:p1,s2:p2/master or redis-cluster://n1:p1,n2:p2.");
    public String getRedisUri() { return text(REDIS_URI); }
    public void setRedisUri(String v) { put(REDIS_URI, v); }

    private static final Setting KEY_PREFIX = define("keyPrefix", TEXT, "lanyard", "First part of every Redis key.");
    public String getKeyPrefix() { return text(KEY_PREFIX); }
    public void setKeyPrefix(String v) { put(KEY_PREFIX, v); }

    private static final Setting APPLICATION = define("application", TEXT, null,
            "Application part of the key; when empty: the context path without the leading '/', 'ROOT' for the root context.");
    public String getApplication() { return text(APPLICATION); }
    public void setApplication(String v) { put(APPLICATION, v); }

    private static final Setting ALLOWED_CLASSES = define("allowedClasses", TEXT, "",
            "Comma-separated class patterns (a.b.C, a.b.*, a.b.**) Kryo may instantiate on top of the built-in safe set.");
    public String getAllowedClasses() { return text(ALLOWED_CLASSES); }
    public void setAllowedClasses(String v) { put(ALLOWED_CLASSES, v); }

    private static final Setting GRACE_PERIOD_SECONDS = define("gracePeriodSeconds", POSITIVE, "300",
            "How long an expired session stays in Redis so listeners can still read it (TTL = expiry + grace).");
    public int getGracePeriodSeconds() { return number(GRACE_PERIOD_SECONDS); }
    public void setGracePeriodSeconds(int v) { put(GRACE_PERIOD_SECONDS, v); }

    private static final Setting TOUCH_INTERVAL_SECONDS = define("touchIntervalSeconds", COUNT_OR_AUTO, "auto", "Access time, expiry and TTL are"
            + " rewritten only when the stored access is older than this (0 = every request; auto = min(60, maxInactive / 20) per session):"
            + " sessions expire up to this much late, never early; other nodes' getLastAccessedTime may lag as much.");
    public int getTouchIntervalSeconds() { return number(TOUCH_INTERVAL_SECONDS); } // -1 = auto
    public void setTouchIntervalSeconds(int v) { put(TOUCH_INTERVAL_SECONDS, v); }

    private static final Setting MAX_SESSION_BYTES = define("maxSessionBytes", POSITIVE, "1048576",
            "Largest encoded session (all attributes); a larger save is refused whole.");
    public int getMaxSessionBytes() { return number(MAX_SESSION_BYTES); }
    public void setMaxSessionBytes(int v) { put(MAX_SESSION_BYTES, v); }

    private static final Setting DECODED_VALUES_MAX_BYTES = define("decodedValuesMaxBytes", COUNT, "4194304", "What a node"
            + " holds of its sessions for their next requests (attribute bytes of the version last seen, decoded values), by encoded"
            + " size (heap: a few times that); 0 = read the whole hash and decode on every request.");
    public int getDecodedValuesMaxBytes() { return number(DECODED_VALUES_MAX_BYTES); }
    public void setDecodedValuesMaxBytes(int v) { put(DECODED_VALUES_MAX_BYTES, v); }

    private static final Setting CONNECT_TIMEOUT_MILLIS = define("connectTimeoutMillis", POSITIVE, "2000",
            "Redis connect timeout; also the longest a request waits for a free pooled connection, and for another request of the same session to finish its save.");
    public int getConnectTimeoutMillis() { return number(CONNECT_TIMEOUT_MILLIS); }
    public void setConnectTimeoutMillis(int v) { put(CONNECT_TIMEOUT_MILLIS, v); }

    private static final Setting READ_TIMEOUT_MILLIS = define("readTimeoutMillis", POSITIVE, "2000", "Redis read (socket) timeout.");
    public int getReadTimeoutMillis() { return number(READ_TIMEOUT_MILLIS); }
    public void setReadTimeoutMillis(int v) { put(READ_TIMEOUT_MILLIS, v); }

    private static final Setting POOL_SIZE = define("poolSize", POSITIVE, "16", "Maximum Redis connections per node and application.");
    public int getPoolSize() { return number(POOL_SIZE); }
    public void setPoolSize(int v) { put(POOL_SIZE, v); }

    private static final Setting EXPIRY_SHARDS = define("expiryShards", POSITIVE, "16",
            "Number of expiry-index sorted sets (spread over Cluster slots). Keep it fixed for a deployment.");
    public int getExpiryShards() { return number(EXPIRY_SHARDS); }
    public void setExpiryShards(int v) { put(EXPIRY_SHARDS, v); }

    private static final Setting SCAVENGE_INTERVAL_SECONDS = define("scavengeIntervalSeconds", POSITIVE, "30",
            "How often a node looks for expired sessions (jittered by up to 25%).");
    public int getScavengeIntervalSeconds() { return number(SCAVENGE_INTERVAL_SECONDS); }
    public void setScavengeIntervalSeconds(int v) { put(SCAVENGE_INTERVAL_SECONDS, v); }

    private static final Setting CLAIM_LEASE_SECONDS = define("claimLeaseSeconds", POSITIVE, "60",
            "How long a node owns an expired session it claimed before another node may retry it.");
    public int getClaimLeaseSeconds() { return number(CLAIM_LEASE_SECONDS); }
    public void setClaimLeaseSeconds(int v) { put(CLAIM_LEASE_SECONDS, v); }

    private static final Setting SCAVENGE_BATCH_SIZE = define("scavengeBatchSize", POSITIVE, "100",
            "How many due sessions a node claims per expiry shard and scan.");
    public int getScavengeBatchSize() { return number(SCAVENGE_BATCH_SIZE); }
    public void setScavengeBatchSize(int v) { put(SCAVENGE_BATCH_SIZE, v); }

    private static final Setting NODE_NAME = define("nodeName", TEXT, null,
            "This node's name, written to the 'node' field of every session it touches; when empty: Tomcat's jvmRoute, else the host name and process id, as in vm-4711.");
    public String getNodeName() { return text(NODE_NAME); }
    public void setNodeName(String v) { put(NODE_NAME, v); }

    private static final Setting METRICS_ENABLED = define("metricsEnabled", BOOLEAN, "true",
            "Count loads, saves, bytes, commands, errors; false = a no-op recorder.");
    public boolean isMetricsEnabled() { return (Boolean) values[METRICS_ENABLED.index]; }
    public void setMetricsEnabled(boolean v) { put(METRICS_ENABLED, v); }

    private static final Setting TRUST_STORE = define("trustStore", TEXT, "",
            "Trust store file for rediss:// (default: the JVM's trust store).");
    public String getTrustStore() { return text(TRUST_STORE); }
    public void setTrustStore(String v) { put(TRUST_STORE, v); }

    private static final Setting TRUST_STORE_PASSWORD = define("trustStorePassword", SECRET, "", "Password of trustStore.");
    public String getTrustStorePassword() { return text(TRUST_STORE_PASSWORD); }
    public void setTrustStorePassword(String v) { put(TRUST_STORE_PASSWORD, v); }

    private static final Setting TRUST_STORE_TYPE = define("trustStoreType", TEXT, "PKCS12", "Type of trustStore (PKCS12 or JKS).");
    public String getTrustStoreType() { return text(TRUST_STORE_TYPE); }
    public void setTrustStoreType(String v) { put(TRUST_STORE_TYPE, v); }

    private static final Setting PRINCIPAL_ATTRIBUTE = define("principalAttribute", TEXT, "",
            "Session attribute naming the signed-in user (a String, or a java.security.Principal by its name) when the container has no login of its own; empty = the container's login only.");
    public String getPrincipalAttribute() { return text(PRINCIPAL_ATTRIBUTE); }
    public void setPrincipalAttribute(String v) { put(PRINCIPAL_ATTRIBUTE, v); }

    private static final Setting MAX_SESSIONS_PER_PRINCIPAL = define("maxSessionsPerPrincipal", COUNT, "0",
            "Most sessions one user may have; a sign-in beyond it signs out that user's least recently used other sessions. 0 = unlimited.");
    public int getMaxSessionsPerPrincipal() { return number(MAX_SESSIONS_PER_PRINCIPAL); }
    public void setMaxSessionsPerPrincipal(int v) { put(MAX_SESSIONS_PER_PRINCIPAL, v); }

    /** Name, default and meaning of every setting, in the order the README table lists them. */
    static final List<Setting> SETTINGS = List.copyOf(DEFINED);

    private static final Map<String, Setting> BY_NAME = SETTINGS.stream()
            .collect(java.util.stream.Collectors.toMap(Setting::name, s -> s, (a, b) -> a, LinkedHashMap::new));

    /** One setting: name (the Tomcat attribute and the Jetty property suffix alike), default, one-line meaning, kind. */
    static final class Setting {
        private final String name;
        final SettingKind kind;
        private final String defaultValue;
        private final String description;
        private final int index;

        private Setting(String name, SettingKind kind, String defaultValue, String description, int index) {
            this.name = name;
            this.kind = kind;
            this.defaultValue = defaultValue;
            this.description = description;
            this.index = index;
        }

        /** The name, e.g. {@code redisUri}. */
        public String name() {
            return name;
        }

        /** The default as text; empty when the setting is empty by default or derived at start (see the meaning). */
        public String defaultValue() {
            return defaultValue == null ? "" : defaultValue;
        }

        /** What the setting means, one line. */
        public String description() {
            return description;
        }

        /** The environment variable that overrides this setting, e.g. {@code LANYARD_REDIS_URI}. */
        public String environmentVariable() {
            return SettingSources.environmentVariable(name);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Setting define(String name, SettingKind kind, String defaultValue, String description) {
        Setting s = new Setting(name, kind, defaultValue, description, DEFINED.size());
        DEFINED.add(s);
        return s;
    }

    /** Current values, indexed by {@link Setting#index}; a derived setting is null until validate fills it. */
    private final Object[] values = new Object[SETTINGS.size()];
    /** Values that could not be read, by setting; validate() reports them. */
    private final Map<Setting, String> unreadable = new LinkedHashMap<>();
    /** Warnings about configured names that are not settings ({@link #bindAll}); sorted, each once. */
    private final java.util.Set<String> ignored = new java.util.concurrent.ConcurrentSkipListSet<>();
    private volatile boolean sealed;
    /** See {@link #setLogHandler}; read by {@link LogRoute}. */
    volatile java.util.logging.Handler logHandler;

    /** A bean holding every default. */
    public LanyardSettings() {
        for (Setting s : SETTINGS) {
            values[s.index] = s.defaultValue == null ? null : s.kind.parse(s.name, s.defaultValue);
        }
    }

    /**
     * A bean with this one's values, unreadable values and ignored names, not sealed: one
     * configuration (Jetty's factory) feeding the settings of several webapps, each validated for
     * its own context.
     */
    public synchronized LanyardSettings copy() {
        LanyardSettings copy = new LanyardSettings();
        System.arraycopy(values, 0, copy.values, 0, values.length);
        copy.unreadable.putAll(unreadable);
        copy.ignored.addAll(ignored);
        copy.logHandler = logHandler;
        return copy;
    }

    /**
     * Sets {@code name} from text, the way every configuration source does. A value that cannot be
     * read is reported by {@link #validate(String)} with every other problem.
     *
     * @throws LanyardException if {@code name} is not a setting (the message names the closest one)
     * @throws IllegalStateException once the settings are sealed
     */
    public LanyardSettings set(String name, String value) {
        Setting s = BY_NAME.get(name);
        if (s == null) {
            throw new LanyardException.ConfigurationException("unknown Lanyard setting '" + name + "'; did you mean '"
                    + closestName(name) + "'?");
        }
        assign(s, value, "");
        return this;
    }

    /** The current value of {@code name} as text (passwords masked). */
    public String get(String name) {
        Setting s = BY_NAME.get(name);
        if (s == null) {
            throw new LanyardException.ConfigurationException("unknown Lanyard setting '" + name + "'");
        }
        return s.kind.show(values[s.index]);
    }

    /** Every setting's name with its default as text ("" for none), in the order of the definition. */
    public static Map<String, String> defaults() {
        Map<String, String> d = new java.util.LinkedHashMap<>();
        SETTINGS.forEach(x -> d.put(x.name(), x.defaultValue()));
        return java.util.Collections.unmodifiableMap(d);
    }

    /** True when {@code name} is a Lanyard setting (a Tomcat attribute, a Jetty property suffix). */
    public static boolean isSetting(String name) {
        return BY_NAME.containsKey(name);
    }

    /**
     * The setting whose name is closest to {@code name}, for "did you mean": {@code redisUrl} and
     * {@code url} both give {@code redisUri}, {@code timeout} gives {@code connectTimeoutMillis}.
     */
    public static String closestName(String name) {
        return ClosestName.among(name, BY_NAME.keySet());
    }

    /**
     * Binds a configuration source's entries to this bean ({@link SettingSources#bind}: {@code prefix}
     * is {@code jetty.session.redis.} for Jetty's properties, empty for Tomcat's attributes; under a
     * prefix {@code uri} is short for {@code redisUri}), keeping the warnings: a container hands its
     * configuration entries over one by one (Tomcat's Digester), and the store logs the warnings
     * when it starts ({@link #ignoredNames()}), naming the webapp.
     *
     * @param kind what an entry is called in a warning ({@code property}, {@code <Manager> attribute})
     */
    public void bindAll(String kind, String prefix, Map<String, String> entries) {
        ignored.addAll(SettingSources.bind(kind, prefix, entries, this::set));
    }

    /** One warning per entry given to {@link #bindAll} that is not a setting, naming the closest one; sorted. */
    public List<String> ignoredNames() {
        return List.copyOf(ignored);
    }

    /**
     * Build step of Jetty's module file (exec-maven-plugin, see jetty-adapter/pom.xml): copies
     * {@code args[0]} to {@code args[1]} with its line {@code ## @settings@} replaced by every
     * setting as a commented-out property {@code args[2] + name} with its default, after a line
     * with its meaning (the module's {@code [ini-template]}).
     */
    public static void main(String[] args) throws java.io.IOException {
        SettingSources.writeTemplate(java.nio.file.Path.of(args[0]), java.nio.file.Path.of(args[1]), args[2]);
    }

    /**
     * Applies {@code LANYARD_*} overrides from {@code environment} (normally {@code System.getenv()}).
     * Returns the names of the settings that were overridden, for the start-up log line.
     */
    public List<String> applyEnvironment(Map<String, String> environment) {
        return SettingSources.applyEnvironment(this, environment);
    }

    synchronized void assign(Setting s, String text, String origin) {
        if (sealed) {
            throw new IllegalStateException("Lanyard settings are sealed after start; change them in the configuration and restart");
        }
        try {
            values[s.index] = s.kind.parse(s.name, text);
            unreadable.remove(s);
        } catch (IllegalArgumentException e) {
            unreadable.put(s, e.getMessage() + origin);
        }
    }

    private void put(Setting s, Object value) {
        assign(s, value == null ? null : value.toString(), "");
    }

    private String text(Setting s) {
        return (String) values[s.index];
    }

    private int number(Setting s) {
        return (Integer) values[s.index];
    }

    /** The current value of {@code s} (for {@link SettingChecks}). */
    Object value(Setting s) {
        return values[s.index];
    }

    /** Sends the core's log lines to {@code handler} (the container's logging) while the store runs ({@code LogRoute}); not a setting. */
    public void setLogHandler(java.util.logging.Handler handler) {
        this.logHandler = handler;
    }

    /** A {@link #setLogHandler} handler to SLF4J (Jetty's logging); null when SLF4J has no provider or writes to java.util.logging. */
    public static java.util.logging.Handler slf4jLogHandler() {
        return Slf4jRoute.create();
    }

    /** The longest a request waits for Redis: connect plus read timeout. */
    long callBudgetMillis() {
        return (long) getConnectTimeoutMillis() + getReadTimeoutMillis();
    }

    /** True once {@link #validate} succeeded: the values are checked and can no longer change. */
    boolean isSealed() {
        return sealed;
    }

    /**
     * Checks every value once ({@link SettingChecks}), fills the context-dependent defaults and
     * seals the bean. Throws {@link LanyardException.ConfigurationException} listing every problem.
     *
     * @param contextPath the webapp's context path ("" or "/" for the root), used when
     *                    {@code application} is not set
     */
    public LanyardSettings validate(String contextPath) {
        List<String> problems = new ArrayList<>(unreadable.values());
        String application = getApplication();
        if (application == null || application.isBlank()) {
            values[APPLICATION.index] = SettingChecks.applicationFromContextPath(contextPath);
            if ("/ROOT".equals(contextPath)) {
                problems.add("the context path /ROOT would share Redis keys with the root context (both 'ROOT');"
                        + " set application explicitly");
            }
        }
        String nodeName = getNodeName();
        if (nodeName == null || nodeName.isBlank()) {
            values[NODE_NAME.index] = SettingChecks.defaultNodeName();
        }
        SettingChecks.check(this, problems);
        if (!problems.isEmpty()) {
            throw new LanyardException.ConfigurationException("invalid Lanyard settings: " + String.join("; ", problems));
        }
        sealed = true;
        return this;
    }

    /** The Redis URI with any password replaced by {@code ****}: the only form that may be logged. */
    public String maskedRedisUri() {
        return RedisEndpoint.mask(getRedisUri());
    }

    @Override
    public String toString() {
        return SETTINGS.stream().map(s -> s.name() + "=" + get(s.name()))
                .collect(java.util.stream.Collectors.joining(", ", "LanyardSettings{", "}"));
    }
}
