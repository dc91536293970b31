package io.lanyard.bench.e2e;

/** The servers under test. */
public enum Configuration {
    TOMCAT_MEMORY("Tomcat in-memory (ceiling)", false, false),
    TOMCAT_FLOOR("Tomcat in-memory + session-sized Jedis GETs (floor)", false, false),
    TOMCAT_LANYARD("Tomcat + Lanyard", true, false),
    TOMCAT_REDISSON_DEFAULT("Tomcat + Redisson (REDIS, DEFAULT)", true, false),
    TOMCAT_REDISSON_AFTER_REQUEST("Tomcat + Redisson (REDIS, AFTER_REQUEST)", true, false),
    TOMCAT_SPRING_SESSION("Tomcat + Spring Session (RedisSessionRepository)", true, false),
    JETTY_MEMORY("Jetty in-memory (ceiling)", false, true),
    JETTY_FLOOR("Jetty in-memory + session-sized Jedis GETs (floor)", false, true),
    JETTY_LANYARD("Jetty + Lanyard", true, true);

    private final String label;
    private final boolean sessionsInRedis;
    private final boolean jetty;

    Configuration(String label, boolean sessionsInRedis, boolean jetty) {
        this.label = label;
        this.sessionsInRedis = sessionsInRedis;
        this.jetty = jetty;
    }

    public String label() {
        return label;
    }

    public boolean sessionsInRedis() {
        return sessionsInRedis;
    }

    public boolean isJetty() {
        return jetty;
    }

    /** True for the floors: the container's in-memory sessions plus the Redis round trips a consistent store cannot avoid. */
    public boolean isFloor() {
        return this == TOMCAT_FLOOR || this == JETTY_FLOOR;
    }

    /** The floor of this configuration's container, the baseline of its ratios. */
    public Configuration floor() {
        return jetty ? JETTY_FLOOR : TOMCAT_FLOOR;
    }

    /** True when the configuration talks to Redis (a store, or a floor): Redis-side figures apply. */
    public boolean usesRedis() {
        return sessionsInRedis || isFloor();
    }

    /** True when this configuration needs a Lanyard adapter jar. */
    public boolean needsLanyard() {
        return this == TOMCAT_LANYARD || this == JETTY_LANYARD;
    }

    /** The class that must be on the class path for this configuration to run, or null. */
    public String requiredClass() {
        return switch (this) {
            case TOMCAT_LANYARD -> "io.lanyard.tomcat.RedisSessionManager";
            case JETTY_LANYARD -> "io.lanyard.jetty.RedisSessionDataStoreFactory";
            default -> null;
        };
    }
}
