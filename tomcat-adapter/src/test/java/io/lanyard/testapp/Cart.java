package io.lanyard.testapp;

import java.util.ArrayList;
import java.util.List;

/** A mutable session attribute: mutated in place by {@link SessionServlet} ("cart-add"). */
public class Cart implements jakarta.servlet.http.HttpSessionActivationListener {
    private final List<String> items = new ArrayList<>();

    public void add(String item) {
        items.add(item);
    }

    public List<String> items() {
        return items;
    }

    @Override
    public void sessionDidActivate(jakarta.servlet.http.HttpSessionEvent se) {
        SessionEvents.EVENTS.add("activated cart " + se.getSession().getId());
    }

    @Override
    public void sessionWillPassivate(jakarta.servlet.http.HttpSessionEvent se) {
        SessionEvents.EVENTS.add("passivated cart " + se.getSession().getId());
    }
}
