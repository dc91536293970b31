package io.lanyard.bench.e2e;

import io.lanyard.bench.shop.Cart;
import io.lanyard.bench.shop.ShopSession;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The same endpoints for every configuration. The servlet knows nothing of the session store.
 * <ul>
 * <li>{@code /login}: new session with the four shop attributes (also the new-session workload)</li>
 * <li>{@code /read}: reads token, preferences and cart; changes nothing</li>
 * <li>{@code /write}: reads, then sets one attribute (the timestamp)</li>
 * <li>{@code /cart}: mutates the cart in place (no setAttribute); answers the new quantity</li>
 * </ul>
 * A request for a session that does not exist answers 410, which the load generator counts as an error.
 */
public final class ShopServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final AtomicLong seeds = new AtomicLong();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? req.getServletPath() : req.getPathInfo();
        resp.setContentType("text/plain");
        switch (path) {
            case "/ping" -> resp.getWriter().write("ok");
            case "/login" -> {
                HttpSession s = req.getSession(true);
                Map<String, Object> attrs = ShopSession.attributes(seeds.incrementAndGet());
                attrs.forEach(s::setAttribute);
                resp.getWriter().write("welcome");
            }
            case "/read" -> {
                HttpSession s = session(req, resp);
                if (s != null) {
                    String token = (String) s.getAttribute(ShopSession.USER);
                    if (token == null) {
                        resp.sendError(410, "no token");
                        return;
                    }
                    Object prefs = s.getAttribute(ShopSession.PREFS);
                    Cart cart = (Cart) s.getAttribute(ShopSession.CART);
                    if (cart == null) {
                        resp.sendError(410, "no cart");
                        return;
                    }
                    resp.getWriter().write(token.length() + " " + (prefs != null) + " " + cart.items().size());
                }
            }
            case "/write" -> {
                HttpSession s = session(req, resp);
                if (s != null) {
                    String token = (String) s.getAttribute(ShopSession.USER);
                    if (token == null) {
                        resp.sendError(410, "no token");
                        return;
                    }
                    s.setAttribute(ShopSession.LAST_VISIT, System.currentTimeMillis());
                    resp.getWriter().write(token.length() + " saved");
                }
            }
            case "/cart" -> {
                HttpSession s = session(req, resp);
                if (s != null) {
                    Cart cart = (Cart) s.getAttribute(ShopSession.CART);
                    if (cart == null) {
                        resp.sendError(410, "no cart");
                        return;
                    }
                    resp.getWriter().write(Integer.toString(cart.bumpFirst()));
                }
            }
            default -> resp.sendError(404);
        }
    }

    private static HttpSession session(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession s = req.getSession(false);
        if (s == null) {
            resp.sendError(410, "no session");
            return null;
        }
        return s;
    }
}
