package com.example.shop.web;

import com.example.shop.model.Cart;
import com.example.shop.model.CartLine;
import com.example.shop.model.Catalogue;
import com.example.shop.model.Currency;
import com.example.shop.model.Product;
import com.example.shop.orders.Orders;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static com.example.shop.web.Html.esc;

/**
 * The cart page ({@code GET /cart}) and its actions ({@code POST /cart/add}, {@code /cart/update},
 * {@code /cart/remove}). The cart object is put into the session once, when it is created; every later change
 * mutates that object in place and never calls {@code setAttribute} again.
 */
public final class CartServlet extends ShopServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String ctx = req.getContextPath();
        HttpSession session = req.getSession(false);
        Cart cart = cart(session);
        Currency currency = prefs(session).getCurrency();
        Page page = page(req, "Cart");
        String done = req.getParameter("done");
        if ("updated".equals(done) || "removed".equals(done)) {
            page.flash("Cart " + done, req.getParameter("by"));
        }
        page.add("<h1>Your cart</h1>");
        if (cart == null || cart.isEmpty()) {
            page.add("<p class=\"lead\" id=\"cart-empty\">Your cart is empty. <a href=\"" + ctx + "/\">Browse the catalogue</a>.</p>");
            page.write(resp);
            return;
        }
        page.add("<p class=\"lead\">One cart object in the session, changed in place on whichever node gets the request.</p>");
        page.add("<table id=\"cart\"><tr><th>Product</th><th class=\"num\">Price</th><th>Quantity</th>"
                + "<th class=\"num\">Total</th><th></th></tr>");
        for (CartLine line : cart.lines()) {
            String sku = esc(line.sku());
            page.add("<tr data-sku=\"" + sku + "\" data-quantity=\"" + line.quantity() + "\"><td>" + esc(line.name()) + "</td>"
                    + "<td class=\"num\">" + esc(currency.format(line.unitPriceEur())) + "</td>"
                    + "<td><form method=\"post\" action=\"" + ctx + "/cart/update\">"
                    + "<input type=\"hidden\" name=\"sku\" value=\"" + sku + "\">"
                    + "<input type=\"number\" name=\"quantity\" min=\"0\" max=\"" + Cart.MAX_QUANTITY + "\" value=\""
                    + line.quantity() + "\"><button class=\"secondary\">Update</button></form></td>"
                    + "<td class=\"num\">" + esc(currency.format(line.totalEur())) + "</td>"
                    + "<td class=\"num\"><form method=\"post\" action=\"" + ctx + "/cart/remove\">"
                    + "<input type=\"hidden\" name=\"sku\" value=\"" + sku + "\"><button class=\"link\">Remove</button></form></td></tr>");
        }
        page.add("<tr><td><b>Total</b></td><td></td><td>" + cart.itemCount() + " item(s)</td>"
                + "<td class=\"num\"><b id=\"cart-total\">" + esc(currency.format(cart.totalEur())) + "</b></td><td></td></tr></table>");
        page.add("<div class=\"actions\">");
        if (user(session) != null) {
            // The order's id is chosen with the form: posting it twice places one order.
            page.add("<form method=\"post\" action=\"" + ctx + "/checkout\"><input type=\"hidden\" name=\"order\" value=\""
                    + Orders.newId() + "\"><button id=\"checkout\">Check out</button></form>");
        } else {
            page.add("<span class=\"muted\">Sign in to check out.</span><a class=\"btn\" href=\"" + ctx
                    + "/login?next=" + URLEncoder.encode(ctx + "/cart", StandardCharsets.UTF_8) + "\">Sign in</a>");
        }
        page.add("</div>").write(resp);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String ctx = req.getContextPath();
        String action = req.getPathInfo() == null ? "" : req.getPathInfo();
        String sku = req.getParameter("sku");
        String by = "&by=" + URLEncoder.encode(shop().node(), StandardCharsets.UTF_8);
        switch (action) {
            case "/add" -> {
                Optional<Product> product = Catalogue.find(sku);
                if (product.isEmpty()) {
                    resp.sendError(HttpServletResponse.SC_BAD_REQUEST, "unknown product");
                    return;
                }
                HttpSession session = req.getSession();
                Cart cart = cart(session);
                if (cart == null) {
                    cart = new Cart();
                    session.setAttribute(CART, cart); // the only setAttribute the cart ever gets
                }
                cart.add(product.get(), Math.max(1, parseInt(req.getParameter("quantity"), 1)));
                seeOther(resp, ctx + "/?added=" + URLEncoder.encode(sku, StandardCharsets.UTF_8) + by);
            }
            case "/update" -> {
                Cart cart = cart(req.getSession(false));
                if (cart != null) {
                    cart.setQuantity(sku, parseInt(req.getParameter("quantity"), 1));
                }
                seeOther(resp, ctx + "/cart?done=updated" + by);
            }
            case "/remove" -> {
                Cart cart = cart(req.getSession(false));
                if (cart != null) {
                    cart.remove(sku);
                }
                seeOther(resp, ctx + "/cart?done=removed" + by);
            }
            default -> resp.sendError(HttpServletResponse.SC_NOT_FOUND);
        }
    }
}
