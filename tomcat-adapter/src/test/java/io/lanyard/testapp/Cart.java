package io.lanyard.testapp;

import java.util.ArrayList;
import java.util.List;

/** A mutable session attribute: mutated in place by {@link SessionServlet} ("cart-add"). */
public class Cart {
    private final List<String> items = new ArrayList<>();

    public void add(String item) {
        items.add(item);
    }

    public List<String> items() {
        return items;
    }
}
