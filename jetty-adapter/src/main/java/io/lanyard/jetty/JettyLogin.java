package io.lanyard.jetty;

import org.eclipse.jetty.security.AuthenticationState;
import org.eclipse.jetty.security.UserIdentity;

/**
 * Jetty's login as a session holds it ({@code SessionAuthentication}, under
 * {@link #ATTRIBUTE}): who the session belongs to. Its own class, called through a lambda, so it is
 * loaded only once a session holds such a login: a server without Jetty's {@code security} module
 * never needs jetty-security.
 */
final class JettyLogin {
    /** Where Jetty keeps the login of FORM, BASIC and {@code request.login} in the session. */
    static final String ATTRIBUTE = "org.eclipse.jetty.security.sessionAuthenticated";

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
