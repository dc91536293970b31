package io.lanyard.testapp;

import jakarta.servlet.annotation.WebListener;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records session events as text lines ({@code created <id> <node>}, {@code destroyed <id> <node> cart=<items>},
 * {@code added <name>} ...). Static, so two embedded nodes in one JVM share one list; in a real container
 * each node has its own, readable through {@code /s/events}. The node name is the context init
 * parameter {@code node} (or the servlet context name).
 */
@WebListener
public class SessionEvents implements HttpSessionListener, HttpSessionAttributeListener {
    public static final List<String> EVENTS = new CopyOnWriteArrayList<>();
    /** Runs at the end of each sessionDestroyed (tests hold a listener there). */
    public static volatile Runnable afterDestroyed = () -> { };

    static String node(HttpSessionEvent e) {
        String n = e.getSession().getServletContext().getInitParameter("node");
        return n == null ? System.getProperty("lanyard.test.node", "?") : n;
    }

    @Override
    public void sessionCreated(HttpSessionEvent e) {
        EVENTS.add("created " + e.getSession().getId() + " " + node(e));
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent e) {
        Object cart = e.getSession().getAttribute("cart");
        EVENTS.add("destroyed " + e.getSession().getId() + " " + node(e) + " cart="
                + (cart instanceof Cart c ? c.items() : "none"));
        afterDestroyed.run();
    }

    @Override
    public void attributeAdded(HttpSessionBindingEvent e) {
        EVENTS.add("added " + e.getName());
    }

    @Override
    public void attributeRemoved(HttpSessionBindingEvent e) {
        EVENTS.add("removed " + e.getName());
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent e) {
        EVENTS.add("replaced " + e.getName());
    }
}
