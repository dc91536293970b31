package io.lanyard.core;

import java.util.Locale;

/** How a {@link LanyardSettings} setting's text is read and shown; each setting has one kind. */
enum SettingKind {
    /** Text, surrounding blanks dropped. */
    TEXT,
    /** A Redis URI: text, shown with its password masked. */
    URI,
    /** A password: kept exactly as given, never shown. */
    SECRET,
    /** A whole number; {@link LanyardSettings#validate} requires it to be greater than 0. */
    POSITIVE,
    /** A whole number; {@link LanyardSettings#validate} requires it to be 0 or more. */
    COUNT,
    /** {@code true} or {@code false}. */
    BOOLEAN,
    /** A whole number {@code >= 0}, or {@code auto} (also empty text or -1) for a value Lanyard derives: read as -1. */
    COUNT_OR_AUTO;

    /**
     * The value {@code text} stands for ({@code null} reads as empty text).
     *
     * @throws IllegalArgumentException naming setting {@code name} when the text cannot be read
     */
    Object parse(String name, String text) {
        String v = text == null ? "" : text;
        return switch (this) {
            case TEXT, URI -> v.trim();
            case SECRET -> v;
            case POSITIVE, COUNT -> {
                try {
                    yield Integer.parseInt(v.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + " must be a whole number, was '" + v + "'");
                }
            }
            case COUNT_OR_AUTO -> {
                String t = v.trim();
                if (t.isEmpty() || t.equalsIgnoreCase("auto")) {
                    yield -1;
                }
                try {
                    int n = Integer.parseInt(t);
                    if (n >= -1) {
                        yield n;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                throw new IllegalArgumentException(name + " must be a whole number >= 0 or 'auto', was '" + v + "'");
            }
            case BOOLEAN -> switch (v.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException(name + " must be true or false, was '" + v + "'");
            };
        };
    }

    /** The value as it may be shown (logs, JMX, toString): passwords masked, nothing for no value. */
    String show(Object value) {
        if (value == null) {
            return "";
        }
        return switch (this) {
            case URI -> RedisEndpoint.mask((String) value);
            case SECRET -> ((String) value).isEmpty() ? "" : "****";
            case COUNT_OR_AUTO -> (Integer) value < 0 ? "auto" : String.valueOf(value);
            default -> String.valueOf(value);
        };
    }
}
