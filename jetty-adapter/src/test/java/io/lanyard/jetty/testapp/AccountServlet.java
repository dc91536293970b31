package io.lanyard.jetty.testapp;

import io.lanyard.api.SessionControl;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.util.stream.Collectors;

/**
 * A webapp's use of Lanyard's application API, as an application writes it: the
 * {@link SessionControl} from its ServletContext attribute. Mapped to {@code /account/*}, text/plain:
 * <ul>
 * <li>{@code /account/sessions?user=u} – one line per session: {@code <id> <node>[ this]}</li>
 * <li>{@code /account/sign-out-others?user=u} – signs u out of every session but the request's; prints how many</li>
 * <li>{@code /account/sign-out-all?user=u} – prints how many</li>
 * </ul>
 * Answers "no-api" when the attribute is absent (Lanyard not installed). Also packaged into the
 * test war for the distribution test.
 */
public class AccountServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain;charset=UTF-8");
        if (!(getServletContext().getAttribute(SessionControl.ATTRIBUTE) instanceof SessionControl sessions)) {
            resp.getWriter().print("no-api");
            return;
        }
        String user = req.getParameter("user");
        HttpSession own = req.getSession(false);
        String out = switch (req.getPathInfo() == null ? "" : req.getPathInfo()) {
            case "/sessions" -> sessions.sessionsOf(user).stream().map(i -> i.id() + " " + i.lastNode()
                    + (own != null && i.isSession(own.getId()) ? " this" : "")).collect(Collectors.joining("\n"));
            case "/sign-out-others" -> String.valueOf(sessions.signOutOthers(user, own == null ? null : own.getId()));
            case "/sign-out-all" -> String.valueOf(sessions.signOutAll(user));
            default -> null;
        };
        if (out == null) {
            resp.sendError(404);
            return;
        }
        resp.getWriter().print(out);
    }
}
