package io.lanyard.jetty;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import javax.security.auth.Subject;
import org.eclipse.jetty.security.UserIdentity;
import org.eclipse.jetty.security.authentication.SessionAuthentication;

/**
 * {@code /jetty-login?user=u}: puts Jetty's own login into the session, as Jetty's FORM
 * authenticator does after a successful login (a {@link SessionAuthentication} under
 * {@link SessionAuthentication#AUTHENTICATED_ATTRIBUTE}), without a login service. Embedded tests only.
 */
public class JettyLoginServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String user = req.getParameter("user");
        UserIdentity identity = UserIdentity.from(new Subject(), () -> user);
        req.getSession(true).setAttribute(SessionAuthentication.AUTHENTICATED_ATTRIBUTE,
                new SessionAuthentication("FORM", identity, "secret"));
        resp.setContentType("text/plain;charset=utf-8");
        resp.getWriter().print(user);
    }
}
