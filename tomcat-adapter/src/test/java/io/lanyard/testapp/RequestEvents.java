package io.lanyard.testapp;

import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import jakarta.servlet.http.HttpServletRequest;

/**
 * A request listener that uses the session in {@code requestDestroyed} when the request has the
 * parameter {@code inDestroy=v}: sets attribute "inDestroy" to v (creating the session if needed).
 */
public class RequestEvents implements ServletRequestListener {
    @Override
    public void requestDestroyed(ServletRequestEvent e) {
        if (e.getServletRequest() instanceof HttpServletRequest req && req.getParameter("inDestroy") != null) {
            req.getSession(true).setAttribute("inDestroy", req.getParameter("inDestroy"));
        }
    }
}
