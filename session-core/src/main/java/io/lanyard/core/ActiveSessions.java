package io.lanyard.core;

import java.util.concurrent.ConcurrentHashMap;

/** The sessions requests on this node are using, one {@link ActiveSession} per id. */
final class ActiveSessions {
    private final ConcurrentHashMap<String, ActiveSession> active = new ConcurrentHashMap<>();

    /** Joins the entry of {@code id}, or starts one (after a closing one, whose last save it then awaits). */
    ActiveSession enter(RedisSessionStore store, String id) {
        return active.compute(id, (k, current) ->
                current != null && current.join() ? current : new ActiveSession(store, k, current));
    }

    ActiveSession active(String id) {
        ActiveSession a = active.get(id);
        return a == null || a.isClosing() ? null : a;
    }

    int size() {
        return active.size();
    }

    void closed(ActiveSession a) {
        active.remove(a.id(), a);
    }

    void renamed(ActiveSession a, String oldId) {
        active.remove(oldId, a);
        active.put(a.id(), a);
    }
}
