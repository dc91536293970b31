package com.example.shop.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Map;

/**
 * {@code GET /order/status?id=...&known=STATUS}: long poll. Answers at once if the order's status differs from
 * {@code known}, otherwise when a Pub/Sub message announces a change (or after 10 s with the unchanged
 * status). JSON: {@code {"id","status","processedBy","servedBy"}}. The random order id is the only credential:
 * the answer reveals nothing but the status.
 */
public final class OrderStatusServlet extends ShopServlet {
    private static final long MAX_WAIT_MILLIS = 10_000;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String id = req.getParameter("id");
        String known = req.getParameter("known");
        Map<String, String> order;
        try {
            order = known == null ? shop().orders().find(id) : shop().hub().awaitChange(id, known, MAX_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            resp.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            return;
        }
        resp.setContentType("application/json;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        if (order == null) {
            resp.setStatus(HttpServletResponse.SC_NOT_FOUND);
            resp.getWriter().write("{\"error\":\"no such order\"}");
            return;
        }
        resp.getWriter().write("{\"id\":\"" + Html.json(id) + "\",\"status\":\"" + Html.json(order.get("status"))
                + "\",\"processedBy\":\"" + Html.json(order.getOrDefault("processedBy", "")) + "\",\"servedBy\":\""
                + Html.json(shop().node()) + "\"}");
    }

    /** The order page's script retries after a failed poll; it needs no page, only the status. */
    @Override
    void ordersUnavailable(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write("{\"error\":\"orders unavailable, retry later\"}");
    }
}
