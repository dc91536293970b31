package io.lanyard.core;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Attribute values this node decoded for sessions it served lately, with their snapshots: the next
 * load of the same session takes a value back instead of decoding it when Redis still holds exactly
 * the bytes it was decoded from and its snapshot proves it still encodes to them (nothing changed
 * it in place meanwhile). Decoding was the largest cost of a read-only request left in profiles.
 *
 * <p>Design notes. A value is taken, never shared: it leaves this table when a load takes it, so at
 * most one record holds it, as after a decode; it comes back when a save leaves it provably
 * unchanged ({@link #keep}). Keyed by session id and attribute name, so a value only ever returns to
 * its own session, and only for equal bytes (which passed the allowlist and the decode bounds when
 * first decoded). Bounded by the values' encoded size ({@link #MAX_BYTES} per webapp); over it, about
 * half is dropped. A value changed in place after it was kept (code that held on to it after its
 * request) fails its snapshot and is decoded afresh.
 */
final class DecodedValues {
    /** Most encoded bytes of the values kept (their heap is a few times that): about 2,400 shop sessions of 1.7 KB. */
    static final long MAX_BYTES = 4L << 20;

    private record Kept(byte[] bytes, Snapshot snapshot) {
    }

    private final ConcurrentHashMap<String, Kept> kept = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AttributeCodec codec;

    DecodedValues(AttributeCodec codec) {
        this.codec = codec;
    }

    /**
     * After a save of {@code r}: keeps each decoded value whose snapshot was taken from the bytes
     * Redis holds now (one that changed was written as other bytes, and is decoded next time).
     */
    void keep(SessionRecord r) {
        for (Map.Entry<String, Snapshot> e : r.snapshots.entrySet()) {
            String name = e.getKey();
            Snapshot s = e.getValue();
            byte[] stored = r.stored.get(name);
            if (stored == null || stored.length > MAX_BYTES / 16 || !s.isBasedOn(stored) || r.attributes.get(name) != s.root()) {
                continue;
            }
            if (bytes.get() + stored.length > MAX_BYTES) {
                evictHalf();
            }
            Kept old = kept.put(key(r.id(), name), new Kept(stored, s));
            bytes.addAndGet(stored.length - (old == null ? 0 : old.bytes().length));
        }
    }

    /**
     * The value kept for attribute {@code name} of session {@code id}, with a snapshot based on
     * {@code loaded}, when {@code loaded} are the bytes it was decoded from and it still encodes to
     * them; else {@code null} (decode). Taken either way.
     */
    Snapshot take(String id, String name, byte[] loaded) {
        Kept k = kept.remove(key(id, name));
        if (k == null) {
            return null;
        }
        bytes.addAndGet(-k.bytes().length);
        if (!Arrays.equals(k.bytes(), loaded) || !codec.unchanged(k.snapshot(), k.snapshot().root(), k.bytes())) {
            return null;
        }
        return k.snapshot().basedOn(loaded);
    }

    /** Values kept now (tests). */
    int size() {
        return kept.size();
    }

    /** Their encoded bytes (tests). */
    long bytes() {
        return bytes.get();
    }

    private void evictHalf() {
        Iterator<Map.Entry<String, Kept>> it = kept.entrySet().iterator();
        while (it.hasNext() && bytes.get() > MAX_BYTES / 2) {
            Map.Entry<String, Kept> e = it.next();
            if (kept.remove(e.getKey(), e.getValue())) {
                bytes.addAndGet(-e.getValue().bytes().length);
            }
        }
    }

    private static String key(String id, String name) {
        return id + '\u0000' + name;
    }
}
