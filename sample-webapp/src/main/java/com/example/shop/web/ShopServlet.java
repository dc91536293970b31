package com.example.shop.web;

import com.example.shop.model.Cart;
import com.example.shop.model.Preferences;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/** Base of the shop's servlets: session attribute names and small helpers. */
abstract class ShopServlet extends HttpServlet {
    /** Name of the signed-in user (String). */
    static final String USER = "auth.user";
    /** Random token issued at sign-in (String); present exactly when a user is signed in. */
    static final String TOKEN = "auth.token";
    /** The {@link Cart}, put in once and then mutated in place. */
    static final String CART = "cart";
    /** The {@link Preferences}. */
    static final String PREFS = "prefs";
    /** Id of the last order placed in this session (String). */
    static final String LAST_ORDER = "lastOrder";

    Shop shop() {
        return (Shop) getServletContext().getAttribute(Shop.ATTRIBUTE);
    }

    /** The signed-in user's name, or null. */
    static String user(HttpSession session) {
        if (session == null || session.getAttribute(TOKEN) == null) {
            return null;
        }
        return (String) session.getAttribute(USER);
    }

    /** The session's preferences, or the defaults (not stored) when it has none. */
    static Preferences prefs(HttpSession session) {
        Preferences p = session == null ? null : (Preferences) session.getAttribute(PREFS);
        return p != null ? p : new Preferences();
    }

    /** The session's cart, or null. */
    static Cart cart(HttpSession session) {
        return session == null ? null : (Cart) session.getAttribute(CART);
    }

    /** A page to render for this request (reads the session without creating one). */
    Page page(HttpServletRequest req, String title) {
        return new Page(req, shop().node(), title);
    }

    /** Post/redirect/get: 303 so the browser follows with a GET. The path is absolute from the host. */
    static void seeOther(HttpServletResponse resp, String location) {
        resp.setStatus(HttpServletResponse.SC_SEE_OTHER);
        resp.setHeader("Location", location);
    }

    static int parseInt(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
