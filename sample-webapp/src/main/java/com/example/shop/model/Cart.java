package com.example.shop.model;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * The shopping cart: ONE mutable object per session (session attribute {@code cart}). Servlets put it in the
 * session once and afterwards only mutate it in place ({@code cart.add(...)}) without calling
 * {@code setAttribute} again, like most real webapps do; the session store must still notice the change.
 * Synchronized because concurrent requests of one session may share the object.
 */
public final class Cart {
    /** Upper bound per line, so a typo cannot create an absurd order. */
    public static final int MAX_QUANTITY = 99;

    private final List<CartLine> lines = new ArrayList<>();

    /** Adds {@code quantity} of a product, merging with an existing line. */
    public synchronized void add(Product product, int quantity) {
        for (CartLine line : lines) {
            if (line.sku().equals(product.sku())) {
                line.setQuantity(clamp(line.quantity() + quantity));
                return;
            }
        }
        lines.add(new CartLine(product, clamp(quantity)));
    }

    /** Sets a line's quantity; zero or less removes the line. Returns false if the SKU is not in the cart. */
    public synchronized boolean setQuantity(String sku, int quantity) {
        for (CartLine line : lines) {
            if (line.sku().equals(sku)) {
                if (quantity <= 0) {
                    lines.remove(line);
                } else {
                    line.setQuantity(clamp(quantity));
                }
                return true;
            }
        }
        return false;
    }

    /** Removes a line. Returns false if the SKU is not in the cart. */
    public synchronized boolean remove(String sku) {
        return lines.removeIf(line -> line.sku().equals(sku));
    }

    public synchronized void clear() {
        lines.clear();
    }

    /** A snapshot of the lines, safe to iterate while other requests change the cart. */
    public synchronized List<CartLine> lines() {
        return List.copyOf(lines);
    }

    /** Number of items (sum of quantities). */
    public synchronized int itemCount() {
        int n = 0;
        for (CartLine line : lines) {
            n += line.quantity();
        }
        return n;
    }

    public synchronized boolean isEmpty() {
        return lines.isEmpty();
    }

    /** Cart total in euros. */
    public synchronized BigDecimal totalEur() {
        BigDecimal total = BigDecimal.ZERO;
        for (CartLine line : lines) {
            total = total.add(line.totalEur());
        }
        return total;
    }

    private static int clamp(int quantity) {
        return Math.max(1, Math.min(MAX_QUANTITY, quantity));
    }
}
