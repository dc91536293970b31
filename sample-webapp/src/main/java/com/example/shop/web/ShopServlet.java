package com.example.shop.web;

import com.example.shop.model.Cart;
import com.example.shop.model.Preferences;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import redis.clients.jedis.exceptions.JedisConnectionException;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Base of the shop's servlets: session attribute names and small helpers, and the answer when the shop's own Redis
 * (orders) cannot be reached: a 503 page with {@code Retry-After} instead of the container's error page with a
 * stack trace. The outage itself is logged once by the order worker; a request only logs at FINE.
 */
abstract class ShopServlet extends HttpServlet {
    private static final Logger LOG = Logger.getLogger(ShopServlet.class.getName());
    /** Seconds a client is asked to wait before retrying while the orders' Redis is unreachable. */
    private static final String RETRY_AFTER_SECONDS = "10";

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

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        try {
            super.service(req, resp);
        } catch (JedisConnectionException e) {
            LOG.log(Level.FINE, "the orders' Redis is unreachable: " + req.getRequestURI() + " answered 503", e);
            if (resp.isCommitted()) {
                return; // the page is already on its way; nothing better to send
            }
            resp.resetBuffer();
            resp.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            resp.setHeader("Retry-After", RETRY_AFTER_SECONDS);
            ordersUnavailable(req, resp);
        }
    }

    /** The body of the 503 answer while the orders' Redis is unreachable: a page; JSON endpoints override it. */
    void ordersUnavailable(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        page(req, "Orders unavailable")
                .add("<h1>Orders are unavailable for a moment</h1><p class=\"lead\" id=\"orders-unavailable\">"
                        + "The shop cannot reach its order queue right now. Your cart and sign-in are kept: "
                        + "please try again in a minute.</p><p><a href=\"" + req.getContextPath()
                        + "/cart\">Back to the cart</a></p>")
                .write(resp);
    }

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
