package com.example.shop.model;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Display currencies. Prices are kept in euros and converted at a fixed, illustrative rate. */
public enum Currency {
    EUR("\u20ac", BigDecimal.ONE),
    USD("$", new BigDecimal("1.08"));

    private final String symbol;
    private final BigDecimal perEuro;

    Currency(String symbol, BigDecimal perEuro) {
        this.symbol = symbol;
        this.perEuro = perEuro;
    }

    /** Converts a euro amount to this currency, rounded to cents. */
    public BigDecimal fromEuro(BigDecimal eur) {
        return eur.multiply(perEuro).setScale(2, RoundingMode.HALF_EVEN);
    }

    /** Formats a euro amount in this currency, e.g. {@code $13.50}. */
    public String format(BigDecimal eur) {
        return symbol + fromEuro(eur).toPlainString();
    }

    /** Parses a form value; unknown values give {@code null}. */
    public static Currency parse(String value) {
        for (Currency c : values()) {
            if (c.name().equalsIgnoreCase(value)) {
                return c;
            }
        }
        return null;
    }
}
