package com.example.shop.web;

import com.example.shop.model.Cart;
import com.example.shop.orders.Orders;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Places the order on the Redis work queue, empties the cart (in place) and shows the order page. The
 * order's id comes with the form (the cart page chose it), so the same form posted again (a double
 * click, a resubmission, a retry that reached another node) shows the order it placed instead of
 * placing a second one.
 */
public final class CheckoutServlet extends ShopServlet {
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String ctx = req.getContextPath();
        HttpSession session = req.getSession(false);
        String user = user(session);
        if (user == null) {
            seeOther(resp, ctx + "/login?next=" + URLEncoder.encode(ctx + "/cart", StandardCharsets.UTF_8));
            return;
        }
        String id = req.getParameter("order");
        if (!Orders.isValidId(id)) {
            seeOther(resp, ctx + "/cart"); // a form without an id (a page from before ids): check out from the cart again
            return;
        }
        if (placedBy(id, user)) {
            seeOther(resp, ctx + "/order?id=" + id); // an earlier post of this form placed it
            return;
        }
        Cart cart = cart(session);
        if (cart == null || cart.isEmpty()) {
            // The earlier post may have placed the order and emptied the cart since the check above.
            seeOther(resp, ctx + (placedBy(id, user) ? "/order?id=" + id : "/cart"));
            return;
        }
        if (shop().orders().place(id, user, cart, prefs(session).getCurrency(), shop().node())) {
            cart.clear();
            session.setAttribute(LAST_ORDER, id);
        }
        seeOther(resp, ctx + "/order?id=" + id);
    }

    /** True when order {@code id} exists and {@code user} placed it (another user's id is never confirmed). */
    private boolean placedBy(String id, String user) {
        Map<String, String> order = shop().orders().find(id);
        return order != null && user.equals(order.get("user"));
    }
}
