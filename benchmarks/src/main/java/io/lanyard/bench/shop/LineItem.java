package io.lanyard.bench.shop;

import java.io.Serializable;
import java.math.BigDecimal;

/** One cart line. Mutable on purpose: the in-place workload bumps {@link #quantity} without setAttribute. */
public final class LineItem implements Serializable {
    private static final long serialVersionUID = 1L;

    private String sku;
    private String name;
    private int quantity;
    private BigDecimal unitPrice;

    public LineItem() {
    }

    public LineItem(String sku, String name, int quantity, BigDecimal unitPrice) {
        this.sku = sku;
        this.name = name;
        this.quantity = quantity;
        this.unitPrice = unitPrice;
    }

    public String sku() {
        return sku;
    }

    public int quantity() {
        return quantity;
    }

    public void quantity(int q) {
        this.quantity = q;
    }

    public BigDecimal total() {
        return unitPrice.multiply(BigDecimal.valueOf(quantity));
    }
}
