package com.example.shop.web;

import io.lanyard.api.SessionControl;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import static com.example.shop.web.Html.esc;

/**
 * "Where you are signed in": {@code GET /account/sessions} lists the signed-in user's sessions on
 * every node, and {@code POST /account/sessions/sign-out-others} signs the user out of all of them
 * but this one, then redirects back. Not signed in: redirects to the sign-in page.
 *
 * <p>This is the shop's one use of Lanyard: its application API, which Lanyard publishes as a
 * servlet-context attribute. Without Lanyard the attribute is absent and the page says it needs
 * Lanyard; the API's classes are touched only in {@link LanyardSessions}, loaded only when the
 * attribute is there, so the shop runs on a container that has never heard of Lanyard.
 */
public final class AccountSessionsServlet extends ShopServlet {
    private static final String PAGE = "/account/sessions";
    /** The form field that carries the anti-forgery token: the session's sign-in token. */
    static final String FORGERY_FIELD = "token";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        String user = user(session);
        if (user == null) {
            toSignIn(req, resp);
            return;
        }
        Object api = lanyard();
        Page page = page(req, "Your sessions");
        if (req.getParameter("signedOut") != null) {
            page.flash("Signed out of " + parseInt(req.getParameter("signedOut"), 0) + " other session(s)", req.getParameter("by"));
        }
        page.add("<h1>Where you are signed in</h1>");
        if (api == null) {
            page.add("<p class=\"lead\" id=\"needs-lanyard\">This page needs Lanyard: it lists your sessions on every"
                    + " node from the session store in Redis, and this shop runs without it.</p>");
            page.write(resp);
            return;
        }
        page.add("<p class=\"lead\">Every browser signed in as <b>" + esc(user) + "</b>, on any node.</p>");
        page.add(LanyardSessions.table(api, user, session.getId()));
        page.add("<form method=\"post\" action=\"" + req.getContextPath() + PAGE + "/sign-out-others\" class=\"actions\">"
                + "<input type=\"hidden\" name=\"" + FORGERY_FIELD + "\" value=\"" + esc(session.getAttribute(TOKEN)) + "\">"
                + "<button id=\"sign-out-others\">Sign out all other sessions</button></form>");
        page.write(resp);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        String user = user(session);
        if (user == null) {
            toSignIn(req, resp);
            return;
        }
        if (!"/sign-out-others".equals(req.getPathInfo()) || !sameToken(session, req.getParameter(FORGERY_FIELD))) {
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "This form has expired; open the page again.");
            return;
        }
        Object api = lanyard();
        int signedOut = api == null ? 0 : LanyardSessions.signOutOthers(api, user, session.getId());
        seeOther(resp, req.getContextPath() + PAGE + "?signedOut=" + signedOut + "&by="
                + URLEncoder.encode(shop().node(), StandardCharsets.UTF_8));
    }

    /**
     * Lanyard's API object, or null without Lanyard. {@code SessionControl.ATTRIBUTE} is a
     * compile-time constant (its text is copied here), so this loads none of Lanyard's classes.
     */
    private Object lanyard() {
        return getServletContext().getAttribute(SessionControl.ATTRIBUTE);
    }

    /** The form came from this session's own page: its token is the one issued at sign-in. */
    private static boolean sameToken(HttpSession session, String sent) {
        Object expected = session.getAttribute(TOKEN);
        return sent != null && expected instanceof String s
                && MessageDigest.isEqual(s.getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8));
    }

    private static void toSignIn(HttpServletRequest req, HttpServletResponse resp) {
        String ctx = req.getContextPath();
        seeOther(resp, ctx + "/login?next=" + URLEncoder.encode(ctx + PAGE, StandardCharsets.UTF_8));
    }
}
