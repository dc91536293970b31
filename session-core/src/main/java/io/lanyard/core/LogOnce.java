package io.lanyard.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * "Log this once" for messages keyed by text that may come from Redis (class and attribute
 * names): remembers a 64-bit hash of each key, never the key itself, and at most
 * {@value #CAPACITY} of them. Once full it answers false for every new key, so hostile data can
 * neither grow the heap nor flood the log.
 */
final class LogOnce {
    static final int CAPACITY = 1000;

    private final Set<Long> seen = ConcurrentHashMap.newKeySet();

    /** True the first time {@code key} is seen, while there is room. */
    boolean first(String key) {
        // Size checked before adding: the set never holds more than CAPACITY hashes.
        return seen.size() < CAPACITY && seen.add(hash(key));
    }

    /** 64-bit FNV-1a over the chars: collisions only suppress a line, they cannot be exploited for more. */
    private static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ key.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }
}
