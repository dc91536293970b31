package io.lanyard.core;

import java.util.List;

/**
 * Redis errors that say Lanyard's credentials or ACL permissions are wrong ({@code WRONGPASS},
 * {@code NOAUTH}, {@code NOPERM}...). They are configuration errors, not outages: no retry fixes
 * them, only the password or ACL user in {@code redisUri} (or the user's ACL rules in Redis). So
 * they are reported at error level with that fix named, at start (the webapp does not start) and
 * at run time (a rotated password), where requests get 503 as during an outage.
 */
final class RedisAccessErrors {
    /**
     * Prefixes of Redis error replies about authentication or permissions. {@code ERR AUTH} and
     * {@code ERR Client sent AUTH} are what Redis 6+ and 5 answer to a password when none is
     * configured on the server.
     */
    private static final List<String> PREFIXES = List.of("WRONGPASS", "NOAUTH", "NOPERM", "ERR AUTH",
            "ERR Client sent AUTH", "ERR invalid password");

    private RedisAccessErrors() {
    }

    /**
     * The Redis error reply in {@code e}, its causes or their suppressed exceptions (a Cluster
     * client collects the failures of its seed nodes there) that is an access error, or
     * {@code null} when there is none.
     */
    static String find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && PREFIXES.stream().anyMatch(m::startsWith)) {
                return m;
            }
            for (Throwable s : t.getSuppressed()) {
                String found = find(s);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** What Redis refused and which setting fixes it, for the log and the start failure (password masked). */
    static String explain(LanyardSettings settings, String redisError) {
        String uri = settings.maskedRedisUri();
        if (redisError.startsWith("NOPERM")) {
            RedisEndpoint endpoint = RedisEndpoint.parse(settings.getRedisUri());
            String user = endpoint.user() == null || endpoint.user().isEmpty() ? "default" : endpoint.user();
            String prefix = settings.getKeyPrefix();
            // A Cluster client reads the slot map with CLUSTER SLOTS, which is in no category but @slow.
            String cluster = endpoint.mode() == RedisEndpoint.Mode.CLUSTER ? " +cluster|slots" : "";
            return "Redis at " + uri + " refused a command or key to the ACL user '" + user + "' (" + redisError
                    + "). Fix the user's ACL rules, e.g. ACL SETUSER " + user + " resetkeys resetchannels ~" + prefix + ":* &"
                    + prefix + ":* -@all +@read +@write +@scripting +@connection +@keyspace" + cluster
                    + " -@admin -@dangerous, or name another user in redisUri";
        }
        return "Redis at " + uri + " refused Lanyard's credentials (" + redisError + "). Fix the password or ACL user in"
                + " redisUri: redis://<user>:<password>@host:port for an ACL user, redis://:<password>@host:port for"
                + " requirepass, no password when the server has none";
    }
}
