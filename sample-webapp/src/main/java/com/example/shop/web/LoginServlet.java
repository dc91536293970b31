package com.example.shop.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

import static com.example.shop.web.Html.esc;

/**
 * Sign-in. A demo: any well-formed user name with the password {@code demo}. On success the session id is
 * rotated ({@code changeSessionId}, protection against session fixation) and an auth token plus the user name
 * are stored in the session; cart and preferences gathered before signing in are kept.
 */
public final class LoginServlet extends ShopServlet {
    static final String DEMO_PASSWORD = "demo";
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{1,31}");
    private static final SecureRandom RANDOM = new SecureRandom();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        form(req, resp, null, "");
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = req.getParameter("username") == null ? "" : req.getParameter("username").trim();
        if (!NAME.matcher(name).matches() || !DEMO_PASSWORD.equals(req.getParameter("password"))) {
            form(req, resp, "Unknown user name or wrong password.", name);
            return;
        }
        HttpSession session = req.getSession(false);
        if (session != null) {
            req.changeSessionId();
        } else {
            session = req.getSession(true); // a session born now already has a fresh id
        }
        byte[] token = new byte[24];
        RANDOM.nextBytes(token);
        session.setAttribute(USER, name);
        session.setAttribute(TOKEN, Base64.getUrlEncoder().withoutPadding().encodeToString(token));
        seeOther(resp, safeNext(req));
    }

    private void form(HttpServletRequest req, HttpServletResponse resp, String error, String name) throws IOException {
        String ctx = req.getContextPath();
        Page page = page(req, "Sign in");
        page.add("<h1>Sign in</h1><p class=\"lead\">Demo accounts: any user name, password <code>" + DEMO_PASSWORD
                + "</code>. Signing in rotates the session id; cart and preferences stay.</p>");
        page.add("<form class=\"panel\" method=\"post\" action=\"" + ctx + "/login\">");
        if (error != null) {
            page.add("<p class=\"error\" id=\"login-error\">" + esc(error) + "</p>");
        }
        page.add("<input type=\"hidden\" name=\"next\" value=\"" + esc(safeNext(req)) + "\">"
                + "<label>User name<input type=\"text\" name=\"username\" id=\"username\" autocomplete=\"username\" value=\""
                + esc(name) + "\" required></label>"
                + "<label>Password<input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required></label>"
                + "<button id=\"login\">Sign in</button></form>");
        page.write(resp);
    }

    /** Where to go after signing in: a path inside this webapp only (no open redirect). */
    private static String safeNext(HttpServletRequest req) {
        String ctx = req.getContextPath();
        String next = req.getParameter("next");
        if (next != null && next.startsWith(ctx + "/") && !next.startsWith("//") && !next.contains("\\")
                && next.chars().noneMatch(c -> c < 0x21)) {
            return next;
        }
        return ctx + "/";
    }
}
