package com.example.shop.model;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The seeded, read-only product catalogue. */
public final class Catalogue {
    private static final List<Product> PRODUCTS = List.of(
            new Product("LAN-001", "Classic lanyard", "Woven red lanyard with a metal clip.", new BigDecimal("7.90"), "#dc2626"),
            new Product("MUG-002", "Key-value mug", "Holds 350 ml of anything you GET.", new BigDecimal("12.50"), "#2563eb"),
            new Product("TEE-003", "Stateless T-shirt", "Organic cotton; the session lives elsewhere.", new BigDecimal("24.00"), "#059669"),
            new Product("STK-004", "Sticker pack", "Ten vinyl stickers for your laptop lid.", new BigDecimal("4.95"), "#d97706"),
            new Product("HOD-005", "Non-sticky hoodie", "Warm, load-balanced, never pinned to one node.", new BigDecimal("49.00"), "#7c3aed"),
            new Product("CAP-006", "Round-robin cap", "One size fits every node.", new BigDecimal("18.00"), "#0891b2"));

    private static final Map<String, Product> BY_SKU = new LinkedHashMap<>();

    static {
        for (Product p : PRODUCTS) {
            BY_SKU.put(p.sku(), p);
        }
    }

    private Catalogue() {
    }

    /** All products, in display order. */
    public static List<Product> all() {
        return PRODUCTS;
    }

    /** The product with this SKU, if any (null-safe). */
    public static Optional<Product> find(String sku) {
        return Optional.ofNullable(sku == null ? null : BY_SKU.get(sku));
    }
}
