package com.example.shop.model;

import java.math.BigDecimal;

/** One cart line. The name and price are copied from the catalogue when the product is first added. */
public final class CartLine {
    private String sku;
    private String name;
    private BigDecimal unitPriceEur;
    private int quantity;

    CartLine(Product product, int quantity) {
        this.sku = product.sku();
        this.name = product.name();
        this.unitPriceEur = product.priceEur();
        this.quantity = quantity;
    }

    public String sku() {
        return sku;
    }

    public String name() {
        return name;
    }

    public BigDecimal unitPriceEur() {
        return unitPriceEur;
    }

    public int quantity() {
        return quantity;
    }

    void setQuantity(int quantity) {
        this.quantity = quantity;
    }

    /** Unit price times quantity, in euros. */
    public BigDecimal totalEur() {
        return unitPriceEur.multiply(BigDecimal.valueOf(quantity));
    }
}
