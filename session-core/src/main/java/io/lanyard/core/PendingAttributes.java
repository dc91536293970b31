package io.lanyard.core;

/**
 * Lazy decoding of a {@link SessionRecord}'s attributes: those loaded from Redis stay bytes
 * ({@link SessionRecord#pending}) until first read, so a request pays only for what it reads.
 */
final class PendingAttributes {
    private PendingAttributes() {
    }

    /** A decoded value, with what a save compares it with instead of encoding it ({@link Snapshot}; null for none). */
    record Decoded(Object value, Snapshot snapshot) {
    }

    /** Decodes one attribute's bytes; returns null (after reporting why) when it cannot. */
    @FunctionalInterface
    interface Decoder {
        Decoded decode(String name, byte[] bytes);
    }

    /**
     * The decoder of {@code codec}: a value {@code held} still holds for these bytes is taken back
     * ({@link DecodedValues}), any other decoded and snapshotted; {@code failed} reports an
     * attribute that cannot be decoded (it then reads as null).
     *
     * @param held what this node held of the session before the load, or {@code null} for nothing
     */
    static Decoder of(AttributeCodec codec, DecodedValues.Held held,
                      java.util.function.BiConsumer<String, AttributeCodec.DecodeException> failed) {
        return (name, bytes) -> {
            Snapshot reused = held == null ? null : held.take(codec, name, bytes);
            if (reused != null) {
                return new Decoded(reused.root(), reused);
            }
            try {
                Object value = codec.decode(bytes);
                return new Decoded(value, codec.snapshot(value, bytes));
            } catch (AttributeCodec.DecodeException e) {
                failed.accept(name, e);
                return null;
            }
        };
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
            Decoded decoded = r.decoder.decode(name, bytes);
            if (decoded == null) {
                r.stored.remove(name);
                r.opaque.put(name, bytes);
                return null;
            }
            Object value = decoded.value();
            r.attributes.put(name, value);
            if (decoded.snapshot() != null) {
                r.snapshots.put(name, decoded.snapshot());
            }
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
