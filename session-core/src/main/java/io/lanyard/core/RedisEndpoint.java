package io.lanyard.core;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Redis URI parsed once into an immutable description of where Redis is. Supported forms:
 * <pre>
 * redis://[user:pass@]host:port[/db]
 * rediss://[user:pass@]host:port[/db]                          (TLS)
 * redis-sentinel://[user:pass@]h1:p1,h2:p2/masterName[/db]
 * redis-cluster://[user:pass@]h1:p1,h2:p2
 * </pre>
 * Credentials are URL-decoded; {@link #toString()} never shows the password.
 */
record RedisEndpoint(Mode mode, boolean tls, List<HostPort> hosts, String user, String password, int database,
                     String masterName, String uri) {

    enum Mode { STANDALONE, SENTINEL, CLUSTER }

    record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    static RedisEndpoint parse(String uri) {
        if (uri == null || uri.isBlank()) {
            throw bad(uri, "redisUri is empty");
        }
        int schemeEnd = uri.indexOf("://");
        if (schemeEnd < 0) {
            throw bad(uri, "missing scheme; expected redis://, rediss://, redis-sentinel:// or redis-cluster://");
        }
        String scheme = uri.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        Mode mode;
        boolean tls = false;
        switch (scheme) {
            case "redis" -> mode = Mode.STANDALONE;
            case "rediss" -> { mode = Mode.STANDALONE; tls = true; }
            case "redis-sentinel" -> mode = Mode.SENTINEL;
            case "rediss-sentinel" -> { mode = Mode.SENTINEL; tls = true; }
            case "redis-cluster" -> mode = Mode.CLUSTER;
            case "rediss-cluster" -> { mode = Mode.CLUSTER; tls = true; }
            default -> throw bad(uri, "unknown scheme '" + scheme + "'; expected redis, rediss, redis-sentinel or redis-cluster");
        }
        String rest = uri.substring(schemeEnd + 3);
        String user = null;
        String password = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                // "redis://secret@host" is how redis-cli and Jedis read a password-only URI.
                password = decode(userInfo);
            } else {
                user = userInfo.substring(0, colon).isEmpty() ? null : decode(userInfo.substring(0, colon));
                password = decode(userInfo.substring(colon + 1));
            }
        }
        if (rest.contains("?")) {
            throw bad(uri, "query parameters are not supported; use the Lanyard settings instead");
        }
        String hostsPart = rest;
        String path = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            hostsPart = rest.substring(0, slash);
            path = rest.substring(slash + 1);
        }
        List<HostPort> hosts = new ArrayList<>();
        for (String hp : hostsPart.split(",")) {
            hosts.add(parseHostPort(uri, hp.trim(), mode == Mode.SENTINEL ? 26379 : 6379));
        }
        if (mode == Mode.STANDALONE && hosts.size() != 1) {
            throw bad(uri, "a redis:// URI names exactly one host; use redis-sentinel:// or redis-cluster:// for several");
        }
        String[] segments = path.isEmpty() ? new String[0] : path.split("/");
        String masterName = null;
        int db = 0;
        switch (mode) {
            case STANDALONE -> {
                if (segments.length > 1) {
                    throw bad(uri, "expected at most one path segment (the database number)");
                }
                if (segments.length == 1) {
                    db = parseDb(uri, segments[0]);
                }
            }
            case SENTINEL -> {
                if (segments.length < 1 || segments[0].isEmpty()) {
                    throw bad(uri, "a redis-sentinel:// URI needs the master name: redis-sentinel://h1:26379,h2:26379/mymaster");
                }
                masterName = decode(segments[0]);
                if (segments.length == 2) {
                    db = parseDb(uri, segments[1]);
                } else if (segments.length > 2) {
                    throw bad(uri, "expected /masterName[/db]");
                }
            }
            case CLUSTER -> {
                if (segments.length > 0) {
                    throw bad(uri, "a redis-cluster:// URI has no path: Redis Cluster has only database 0");
                }
            }
        }
        return new RedisEndpoint(mode, tls, List.copyOf(hosts), user, password, db, masterName, uri);
    }

    /** The URI with the password replaced by {@code ****}; unparseable input is masked as a whole after the scheme. */
    static String mask(String uri) {
        if (uri == null) {
            return null;
        }
        int schemeEnd = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (schemeEnd < 0) {
            // Not a URI at all (user:secret@host:6379 without a scheme): anything may be a password.
            return at < 0 ? uri : "****" + uri.substring(at);
        }
        if (at < schemeEnd) {
            return uri;
        }
        String userInfo = uri.substring(schemeEnd + 3, at);
        int colon = userInfo.indexOf(':');
        String masked = colon < 0 ? "****" : userInfo.substring(0, colon) + ":****";
        return uri.substring(0, schemeEnd + 3) + masked + uri.substring(at);
    }

    @Override
    public String toString() {
        return mask(uri);
    }

    private static HostPort parseHostPort(String uri, String hp, int defaultPort) {
        if (hp.isEmpty()) {
            throw bad(uri, "empty host");
        }
        String host = hp;
        int port = defaultPort;
        int colon = hp.lastIndexOf(':');
        if (hp.startsWith("[")) { // IPv6 literal [::1]:6379
            int close = hp.indexOf(']');
            if (close < 0) {
                throw bad(uri, "unclosed IPv6 literal '" + hp + "'");
            }
            host = hp.substring(1, close);
            if (close + 1 < hp.length()) {
                if (hp.charAt(close + 1) != ':') {
                    throw bad(uri, "bad host '" + hp + "'");
                }
                port = parsePort(uri, hp.substring(close + 2));
            }
        } else if (colon >= 0) {
            host = hp.substring(0, colon);
            port = parsePort(uri, hp.substring(colon + 1));
        }
        if (host.isEmpty()) {
            throw bad(uri, "empty host in '" + hp + "'");
        }
        return new HostPort(host, port);
    }

    private static int parsePort(String uri, String text) {
        try {
            int port = Integer.parseInt(text);
            if (port < 1 || port > 65535) {
                throw bad(uri, "port out of range: " + text);
            }
            return port;
        } catch (NumberFormatException e) {
            throw bad(uri, "port is not a number: '" + text + "'");
        }
    }

    private static int parseDb(String uri, String text) {
        try {
            int db = Integer.parseInt(text);
            if (db < 0) {
                throw bad(uri, "database number must be >= 0");
            }
            return db;
        } catch (NumberFormatException e) {
            throw bad(uri, "database must be a number, was '" + text + "'");
        }
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // URLDecoder's message quotes the offending characters, which may be part of a password.
            throw new LanyardException.ConfigurationException("invalid redisUri: bad %-escape in the user, password"
                    + " or master name (write a literal '%' as %25)");
        }
    }

    private static LanyardException.ConfigurationException bad(String uri, String why) {
        return new LanyardException.ConfigurationException("invalid redisUri '" + mask(uri) + "': " + why);
    }
}
