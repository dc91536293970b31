package com.example.shop.web;

import com.example.shop.model.Cart;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Places the order on the Redis work queue, empties the cart (in place) and shows the order page. */
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
        Cart cart = cart(session);
        if (cart == null || cart.isEmpty()) {
            seeOther(resp, ctx + "/cart");
            return;
        }
        String id = shop().orders().place(user, cart, prefs(session).getCurrency(), shop().node());
        cart.clear();
        session.setAttribute(LAST_ORDER, id);
        seeOther(resp, ctx + "/order?id=" + id);
    }
}
