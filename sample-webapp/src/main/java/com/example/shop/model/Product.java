package com.example.shop.model;

import java.math.BigDecimal;

/**
 * A catalogue entry. Never stored in the session: carts keep their own {@link CartLine} copies.
 *
 * @param sku         stock keeping unit, the product's id in URLs and forms
 * @param name        display name
 * @param description one line of marketing text
 * @param priceEur    unit price in euros (the shop's base currency)
 * @param colour      CSS colour of the product tile
 */
public record Product(String sku, String name, String description, BigDecimal priceEur, String colour) {
}
