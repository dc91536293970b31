package io.lanyard.core;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Attribute values this node decoded for sessions it served lately, with their snapshots: the next
 * load of the same session takes a value back instead of decoding it when Redis still holds exactly
 * the bytes it was decoded from and its snapshot proves it still holds what decoding them produced
 * (nothing changed it in place meanwhile). Decoding was the largest cost of a read-only request
 * left in profiles.
 *
 * <p>Design notes. A value is kept only when the last request using its session on this node has
 * left and saved ({@link ActiveSession}), so no live record still holds it; it is taken, never
 * shared: it leaves this table when a load takes it, and at most one record holds it, as after a
 * decode. Keyed by session id, then attribute name, so a value only ever returns to its own
 * session, and only for equal bytes (which passed the allowlist and the decode bounds when first
 * decoded); a deleted, renamed or expired session's values are forgotten at once. Bounded by the
 * values' encoded size ({@code decodedValuesMaxBytes} per webapp, 0 = off; one value at most a
 * sixteenth of it); over the bound, about half is dropped. A value changed in place after it was
 * kept (code that held on to it after its request) fails its snapshot and is decoded afresh.
 */
final class DecodedValues {
    private record Kept(byte[] bytes, Snapshot snapshot) {
    }

    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Kept>> kept = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AttributeCodec codec;
    private final long maxBytes;

    /** @param maxBytes most encoded bytes of the values kept; 0 keeps nothing */
    DecodedValues(AttributeCodec codec, long maxBytes) {
        this.codec = codec;
        this.maxBytes = maxBytes;
    }

    /**
     * After the last request using {@code r} on this node saved it: keeps each decoded value whose
     * snapshot was taken from the bytes Redis holds now (one that changed was written as other
     * bytes, and is decoded next time).
     */
    void keep(SessionRecord r) {
        for (Map.Entry<String, Snapshot> e : r.snapshots.entrySet()) {
            String name = e.getKey();
            Snapshot s = e.getValue();
            byte[] stored = r.stored.get(name);
            if (stored == null || stored.length > maxBytes / 16 || !s.isBasedOn(stored) || r.attributes.get(name) != s.root()) {
                continue;
            }
            if (bytes.get() + stored.length > maxBytes) {
                evictHalf();
            }
            Kept old = kept.computeIfAbsent(r.id(), id -> new ConcurrentHashMap<>()).put(name, new Kept(stored, s));
            bytes.addAndGet(stored.length - (old == null ? 0 : old.bytes().length));
        }
    }

    /**
     * The value kept for attribute {@code name} of session {@code id}, with a snapshot based on
     * {@code loaded}, when {@code loaded} are the bytes it was decoded from and it still holds what
     * they decode to; else {@code null} (decode). Taken either way.
     */
    Snapshot take(String id, String name, byte[] loaded) {
        Map<String, Kept> session = kept.get(id);
        Kept k = session == null ? null : session.remove(name);
        if (k == null) {
            return null;
        }
        bytes.addAndGet(-k.bytes().length);
        if (!Arrays.equals(k.bytes(), loaded) || !codec.unchanged(k.snapshot(), k.snapshot().root(), k.bytes())) {
            return null;
        }
        return k.snapshot().basedOn(loaded);
    }

    /** Drops session {@code id}'s values (deleted, renamed, expired: nothing may come back to it, and nothing stays in memory). */
    void forget(String id) {
        Map<String, Kept> session = kept.remove(id);
        if (session != null) {
            session.values().forEach(k -> bytes.addAndGet(-k.bytes().length));
        }
    }

    /** Drops everything (the store closes). */
    void clear() {
        kept.keySet().forEach(this::forget);
    }

    /** Values kept now (tests). */
    int size() {
        return kept.values().stream().mapToInt(Map::size).sum();
    }

    /** Their encoded bytes (tests). */
    long bytes() {
        return bytes.get();
    }

    private void evictHalf() {
        Iterator<String> ids = kept.keySet().iterator();
        while (ids.hasNext() && bytes.get() > maxBytes / 2) {
            forget(ids.next());
        }
    }
}
