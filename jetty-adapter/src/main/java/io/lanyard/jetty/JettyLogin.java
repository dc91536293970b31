package io.lanyard.jetty;

import org.eclipse.jetty.security.AuthenticationState;
import org.eclipse.jetty.security.UserIdentity;
import org.eclipse.jetty.security.authentication.SessionAuthentication;

/**
 * Jetty's login as a session holds it (a {@link SessionAuthentication}, which Jetty's FORM
 * authenticator stores under {@link #ATTRIBUTE}): who the session belongs to. Its own class, called through a lambda, so it is
 * loaded only once a session holds such a login: a server without Jetty's {@code security} module
 * never needs jetty-security.
 */
final class JettyLogin {
    /** Where Jetty keeps a login in the session (a compile-time constant: reading it loads nothing). */
    static final String ATTRIBUTE = SessionAuthentication.AUTHENTICATED_ATTRIBUTE;

    private JettyLogin() {
    }

    /** The user's name, or null when {@code value} holds no (restored) login. */
    static String userName(Object value) {
        if (value instanceof AuthenticationState.Succeeded login) {
            UserIdentity identity = login.getUserIdentity();
            return identity == null || identity.getUserPrincipal() == null ? null : identity.getUserPrincipal().getName();
        }
        return null;
    }
}
