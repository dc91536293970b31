package com.example.shop.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;

/** Sign-out: invalidates the whole session (on every node, since it lives in Redis). */
public final class LogoutServlet extends ShopServlet {
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        if (session != null) {
            try {
                session.invalidate();
            } catch (IllegalStateException alreadyInvalid) {
                // a concurrent request signed out first: same outcome
            }
        }
        seeOther(resp, req.getContextPath() + "/");
    }
}
