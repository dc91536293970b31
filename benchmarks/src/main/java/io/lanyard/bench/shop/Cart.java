package io.lanyard.bench.shop;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** A shopping cart, stored as one session attribute. */
public final class Cart implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<LineItem> items = new ArrayList<>();
    private String currency = "EUR";

    public List<LineItem> items() {
        return items;
    }

    public String currency() {
        return currency;
    }

    /** Mutates the cart in place: one more of the first item. Returns the new quantity. */
    public int bumpFirst() {
        LineItem first = items.get(0);
        first.quantity(first.quantity() + 1);
        return first.quantity();
    }

    public BigDecimal total() {
        BigDecimal t = BigDecimal.ZERO;
        for (LineItem i : items) {
            t = t.add(i.total());
        }
        return t;
    }
}
