package io.lanyard.core;

/**
 * Lazy decoding of a {@link SessionRecord}'s attributes: those loaded from Redis stay bytes
 * ({@link SessionRecord#pending}) until first read, so a request pays only for what it reads.
 */
final class PendingAttributes {
    private PendingAttributes() {
    }

    /** Decodes one attribute's bytes; returns null (after reporting why) when it cannot. */
    @FunctionalInterface
    interface Decoder {
        Object decode(String name, byte[] bytes);
    }

    /** Decodes {@code name} if it is pending; null when it is absent or cannot be decoded (then it becomes opaque). */
    static Object decode(SessionRecord r, String name) {
        synchronized (r) {
            Object v = r.attributes.get(name);
            if (v != null) {
                return v;
            }
            byte[] bytes = r.pending.remove(name);
            if (bytes == null) {
                return null;
            }
            Object value = r.decoder.decode(name, bytes);
            if (value == null) {
                r.stored.remove(name);
                r.opaque.put(name, bytes);
                return null;
            }
            r.attributes.put(name, value);
            java.util.function.BiConsumer<String, Object> listener = r.decodeListener;
            if (listener != null) {
                listener.accept(name, value);
            }
            return value;
        }
    }

    /** Decodes every pending attribute. */
    static void decodeAll(SessionRecord r) {
        for (String name : r.pending.keySet()) {
            decode(r, name);
        }
    }
}
