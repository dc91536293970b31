package io.lanyard.core;

/**
 * Lazy decoding of a {@link SessionRecord}'s attributes: those loaded from Redis stay bytes
 * ({@link SessionRecord#pending}) until first read, so a request pays only for what it reads.
 */
final class PendingAttributes {
    private PendingAttributes() {
    }

    /** Decodes one attribute's bytes; returns null (after reporting why) when it cannot. */
    interface Decoder {
        Object decode(String name, byte[] bytes);

        /** What a save compares {@code value} with instead of encoding it ({@link Snapshot}); null for none. */
        Snapshot snapshot(Object value, byte[] bytes);
    }

    /** The decoder of {@code codec}, with snapshots; {@code failed} reports an attribute that cannot be decoded (it then reads as null). */
    static Decoder of(AttributeCodec codec, java.util.function.BiConsumer<String, AttributeCodec.DecodeException> failed) {
        return new Decoder() {
            @Override
            public Object decode(String name, byte[] bytes) {
                try {
                    return codec.decode(bytes);
                } catch (AttributeCodec.DecodeException e) {
                    failed.accept(name, e);
                    return null;
                }
            }

            @Override
            public Snapshot snapshot(Object value, byte[] bytes) {
                return codec.snapshot(value, bytes);
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
            Object value = r.decoder.decode(name, bytes);
            if (value == null) {
                r.stored.remove(name);
                r.opaque.put(name, bytes);
                return null;
            }
            r.attributes.put(name, value);
            Snapshot snapshot = r.decoder.snapshot(value, bytes);
            if (snapshot != null) {
                r.snapshots.put(name, snapshot);
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
