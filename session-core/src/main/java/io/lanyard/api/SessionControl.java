package io.lanyard.api;

import java.util.List;

/**
 * A user's sessions across every node of one application: where they are signed in, and signing
 * them out. Published by Lanyard as the {@code ServletContext} attribute {@link #ATTRIBUTE}:
 * <pre>{@code
 * SessionControl sessions = (SessionControl) servletContext.getAttribute(SessionControl.ATTRIBUTE);
 * if (sessions != null) {
 *     sessions.signOutOthers(user, request.getSession().getId());
 * }
 * }</pre>
 * A session belongs to a principal when the container has authenticated it ({@code request.login},
 * FORM, BASIC), or else when the session attribute named by the setting {@code principalAttribute}
 * holds the principal's name (a {@code String}, or a {@code java.security.Principal}).
 *
 * <p>Signing out is immediate and cluster-wide: when a sign-out method returns, no request on any
 * node loads the signed-out sessions any more, and their {@code sessionDestroyed} listeners run
 * exactly once, on one node, shortly after. Methods send a few Redis commands (one per session of
 * the principal, plus one or two); call them from an account page or an admin action, not per request.
 */
public interface SessionControl {
    /** The {@code ServletContext} attribute under which Lanyard publishes this interface: its fully qualified name. */
    String ATTRIBUTE = "io.lanyard.api.SessionControl";

    /**
     * The live sessions of {@code principal}, most recently used first; of a principal with more
     * than 1,000 sessions in the index, those among the 1,000 most recently used.
     *
     * @param principal the principal's name
     * @return the sessions, empty when there are none
     * @throws IllegalStateException when Redis cannot be reached (the message says why)
     */
    List<SessionInfo> sessionsOf(String principal);

    /**
     * Signs {@code principal} out everywhere: every session of the principal is ended.
     *
     * @param principal the principal's name
     * @return how many sessions were signed out
     * @throws IllegalStateException when Redis cannot be reached (some sessions may be signed out already)
     */
    int signOutAll(String principal);

    /**
     * Signs {@code principal} out of every session but one, typically the current request's
     * ("sign out my other devices").
     *
     * @param principal the principal's name
     * @param keepSessionId the session to keep, as the container reports it ({@code HttpSession.getId()};
     *                      a route suffix such as {@code .node0} is ignored)
     * @return how many sessions were signed out
     * @throws IllegalStateException when Redis cannot be reached (some sessions may be signed out already)
     */
    int signOutOthers(String principal, String keepSessionId);
}
