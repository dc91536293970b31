package io.lanyard.core;

import java.io.File;
import java.net.InetAddress;
import java.util.List;

/**
 * The checks {@link LanyardSettings#validate(String)} runs once at start, and the defaults it
 * derives. Each check adds a line to the problem list instead of failing at once, so that a start
 * fails listing every problem.
 */
final class SettingChecks {
    private SettingChecks() {
    }

    /** Adds a line to {@code problems} for every value of {@code s} that cannot be used. */
    static void check(LanyardSettings s, List<String> problems) {
        try {
            RedisEndpoint.parse(s.getRedisUri());
        } catch (LanyardException.ConfigurationException e) {
            problems.add(e.getMessage());
        }
        keyPart("keyPrefix", s.getKeyPrefix(), problems);
        keyPart("application", s.getApplication(), problems);
        try {
            ClassAllowlist.parse(s.getAllowedClasses());
        } catch (LanyardException.ConfigurationException e) {
            problems.add(e.getMessage());
        }
        for (LanyardSettings.Setting setting : LanyardSettings.SETTINGS) {
            if (setting.kind == SettingKind.POSITIVE && (Integer) s.value(setting) <= 0) {
                problems.add(setting.name() + " must be greater than 0, was " + s.value(setting));
            } else if (setting.kind == SettingKind.COUNT && (Integer) s.value(setting) < 0) {
                problems.add(setting.name() + " must be 0 or more, was " + s.value(setting));
            }
        }
        if (s.getExpiryShards() > 1024) {
            problems.add("expiryShards must be at most 1024, was " + s.getExpiryShards());
        }
        // An expired session must outlive the time a node needs to find it and run its listeners,
        // or sessionDestroyed would see an empty hash.
        int grace = s.getGracePeriodSeconds();
        int scavenge = s.getScavengeIntervalSeconds();
        int lease = s.getClaimLeaseSeconds();
        if (grace > 0 && scavenge > 0 && grace < 2L * scavenge + lease) {
            problems.add("gracePeriodSeconds (" + grace + ") must be at least 2 x scavengeIntervalSeconds + claimLeaseSeconds ("
                    + (2L * scavenge + lease) + ") so expired sessions are still readable when a node scavenges them");
        }
        String trustStoreType = s.getTrustStoreType();
        if (!trustStoreType.equalsIgnoreCase("PKCS12") && !trustStoreType.equalsIgnoreCase("JKS")) {
            problems.add("trustStoreType must be PKCS12 or JKS, was '" + trustStoreType + "'");
        }
        String trustStore = s.getTrustStore();
        if (!trustStore.isEmpty() && !new File(trustStore).canRead()) {
            problems.add("trustStore '" + trustStore + "' is not a readable file");
        }
    }

    private static void keyPart(String name, String value, List<String> problems) {
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

    /** "/shop" becomes "shop"; "" and "/" become "ROOT". */
    static String applicationFromContextPath(String contextPath) {
        if (contextPath == null || contextPath.isEmpty() || contextPath.equals("/")) {
            return "ROOT";
        }
        return contextPath.startsWith("/") ? contextPath.substring(1) : contextPath;
    }

    /** Host name and process id: two nodes on one host (two Tomcats, a Tomcat and a Jetty) are told apart. */
    static String defaultNodeName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "node";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
