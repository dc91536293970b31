package com.example.shop.model;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CartTest {
    private final Product mug = Catalogue.find("MUG-002").orElseThrow();
    private final Product tee = Catalogue.find("TEE-003").orElseThrow();

    @Test
    void addingTheSameProductMergesLinesAndTotalsAreExact() {
        Cart cart = new Cart();
        cart.add(mug, 1);
        cart.add(tee, 2);
        cart.add(mug, 2);
        assertEquals(2, cart.lines().size());
        assertEquals(3, cart.lines().get(0).quantity());
        assertEquals(5, cart.itemCount());
        assertEquals(new BigDecimal("85.50"), cart.totalEur()); // 3 x 12.50 + 2 x 24.00
    }

    @Test
    void quantityZeroRemovesAndQuantitiesAreBounded() {
        Cart cart = new Cart();
        cart.add(mug, 500);
        assertEquals(Cart.MAX_QUANTITY, cart.itemCount());
        assertTrue(cart.setQuantity("MUG-002", 0));
        assertTrue(cart.isEmpty());
        assertFalse(cart.setQuantity("MUG-002", 1), "not in the cart any more");
        cart.add(tee, 1);
        assertTrue(cart.remove("TEE-003"));
        assertFalse(cart.remove("TEE-003"));
    }

    @Test
    void currencyConversionRoundsToCents() {
        assertEquals("\u20ac12.50", Currency.EUR.format(new BigDecimal("12.50")));
        assertEquals("$13.50", Currency.USD.format(new BigDecimal("12.50")));
        assertEquals("$5.35", Currency.USD.format(new BigDecimal("4.95"))); // 5.346 -> 5.35
        assertEquals(Currency.USD, Currency.parse("usd"));
        assertEquals(null, Currency.parse("GBP"));
    }
}
