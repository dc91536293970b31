package com.example.shop.web;

import com.example.shop.orders.Orders;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Map;

import static com.example.shop.web.Html.esc;

/**
 * The order page. Renders the current status, then a few lines of JavaScript long-poll {@code order/status}
 * until the order is confirmed, so the page updates as soon as the worker's Pub/Sub message arrives.
 */
public final class OrderServlet extends ShopServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String ctx = req.getContextPath();
        String id = req.getParameter("id");
        String user = user(req.getSession(false));
        Map<String, String> order = user == null ? null : shop().orders().find(id);
        Page page = page(req, "Order");
        if (order == null || !user.equals(order.get("user"))) {
            resp.setStatus(HttpServletResponse.SC_NOT_FOUND);
            page.add("<h1>Order not found</h1><p class=\"lead\">Sign in with the account that placed it.</p>").write(resp);
            return;
        }
        String status = order.get("status");
        page.add("<h1>Thank you, " + esc(user) + "!</h1><p class=\"lead\">The order went onto a Redis work queue; "
                + "a worker thread on one of the nodes processes it and announces each step on a Pub/Sub channel.</p>");
        page.add("<div class=\"panel\" id=\"order\" data-order=\"" + esc(id) + "\"><dl>"
                + "<dt>Order</dt><dd><code>" + esc(id.substring(0, 8)) + "</code></dd>"
                + "<dt>Items</dt><dd>" + esc(order.get("items")) + "</dd>"
                + "<dt>Total</dt><dd><b id=\"order-total\">" + esc(order.get("total")) + "</b></dd>"
                + "<dt>Placed via</dt><dd>" + esc(order.get("placedBy")) + "</dd>"
                + "<dt>Status</dt><dd><span class=\"status status-" + esc(status) + "\" id=\"order-status\">"
                + esc(status) + "</span></dd>"
                + "<dt>Processed by</dt><dd id=\"processed-by\">" + esc(order.getOrDefault("processedBy", "\u2026")) + "</dd>"
                + "<dt>Last update</dt><dd id=\"update-via\" class=\"muted\">rendered by " + esc(shop().node()) + "</dd>"
                + "</dl></div>");
        page.add("<p><a href=\"" + ctx + "/\">Continue shopping</a></p>");
        if (!Orders.CONFIRMED.equals(status)) {
            page.add(script(ctx, id, status));
        }
        page.write(resp);
    }

    private static String script(String ctx, String id, String status) {
        return "<script>(function(){"
                + "var known='" + Html.json(status) + "';"
                + "var el=function(i){return document.getElementById(i);};"
                + "function poll(){fetch('" + Html.json(ctx) + "/order/status?id=" + Html.json(id) + "&known='+known,{cache:'no-store'})"
                + ".then(function(r){if(!r.ok)throw r.status;return r.json();})"
                + ".then(function(o){known=o.status;var s=el('order-status');s.textContent=o.status;"
                + "s.className='status status-'+o.status;el('processed-by').textContent=o.processedBy||'\\u2026';"
                + "el('update-via').textContent='pushed to '+o.servedBy+' via Redis Pub/Sub';"
                + "if(o.status!=='" + Orders.CONFIRMED + "')poll();})"
                + ".catch(function(){setTimeout(poll,1000);});}"
                + "poll();})();</script>";
    }
}
