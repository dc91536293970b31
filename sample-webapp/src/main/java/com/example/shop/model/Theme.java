package com.example.shop.model;

/** Page colour scheme. */
public enum Theme {
    LIGHT, DARK;

    /** Parses a form value; unknown values give {@code null}. */
    public static Theme parse(String value) {
        for (Theme t : values()) {
            if (t.name().equalsIgnoreCase(value)) {
                return t;
            }
        }
        return null;
    }
}
