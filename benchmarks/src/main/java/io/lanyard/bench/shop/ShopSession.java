package io.lanyard.bench.shop;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The realistic shop session every benchmark uses (issue 11): a 264-character sign-in token, a
 * 6-entry preferences {@code HashMap}, a cart ({@code ArrayList}) of 20 line items with BigDecimal
 * prices, and a {@code Long} timestamp — about 1.7 KB in Redis. Four attributes, as a shop would
 * set them at login.
 */
public final class ShopSession {
    public static final String USER = "authToken";
    public static final String PREFS = "preferences";
    public static final String CART = "cart";
    public static final String LAST_VISIT = "lastVisit";

    private ShopSession() {
    }

    /** The attribute values in a fixed order: token, preferences, cart, timestamp. */
    public static Map<String, Object> attributes(long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(USER, token(seed));
        m.put(PREFS, preferences());
        m.put(CART, cart(seed));
        m.put(LAST_VISIT, 1_763_700_000_000L + seed);
        return m;
    }

    /** Sets the four attributes through any setter (HttpSession::setAttribute, SessionRecord::setAttribute ...). */
    public static void populate(long seed, BiConsumer<String, Object> setter) {
        attributes(seed).forEach(setter);
    }

    /** Characters of the sign-in token (issue 11's realistic session). */
    static final int TOKEN_LENGTH = 264;

    static String token(long seed) {
        // A JWT bearer token: header.payload.signature in base64url, 264 characters.
        StringBuilder sb = new StringBuilder("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.");
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        while (sb.length() < TOKEN_LENGTH) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            sb.append(sb.length() == TOKEN_LENGTH - 44 ? '.' : alphabet.charAt((int) (x & 63)));
        }
        return sb.toString();
    }

    static Map<String, String> preferences() {
        Map<String, String> p = new java.util.HashMap<>();
        p.put("locale", "de_DE");
        p.put("currency", "EUR");
        p.put("theme", "dark");
        p.put("newsletter", "weekly");
        p.put("pageSize", "48");
        p.put("lastCategory", "outdoor/tents");
        return p;
    }

    static Cart cart(long seed) {
        Cart c = new Cart();
        for (int i = 0; i < 20; i++) {
            c.items().add(new LineItem("SKU-" + (100_000 + (seed * 31 + i) % 900_000), "Product number " + i + " of the catalogue",
                    1 + i % 3, new BigDecimal("19.99").add(BigDecimal.valueOf(i * 250L, 2))));
        }
        return c;
    }
}
