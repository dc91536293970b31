package io.lanyard.api;

import java.time.Instant;

/**
 * One session of a principal, as {@link SessionControl#sessionsOf} lists it.
 *
 * @param id           the session id as stored (without a route suffix such as {@code .node0})
 * @param created      when the session was created
 * @param lastAccessed when a request last used it (to within Lanyard's touch interval)
 * @param lastNode     the name of the node that served that request ({@code nodeName})
 */
public record SessionInfo(String id, Instant created, Instant lastAccessed, String lastNode) {

    /**
     * True when {@code sessionId}, as a container reports it ({@code HttpSession.getId()}, with or
     * without a route suffix such as {@code .jvmRoute} or {@code .node0}), names this session: the
     * way to mark "this device" in a list.
     */
    public boolean isSession(String sessionId) {
        if (sessionId == null) {
            return false;
        }
        int dot = sessionId.indexOf('.');
        return id.equals(dot < 0 ? sessionId : sessionId.substring(0, dot));
    }
}
