package io.lanyard.core;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What this node holds of sessions it served lately, for their next load here: the attributes'
 * bytes as Redis holds them at a version, and the values decoded from them with their snapshots.
 * The next load sends that version; when Redis still holds it, {@code load.lua} answers with the
 * metadata alone (a few dozen bytes instead of the whole hash), and the record is built from the
 * bytes held here. A decoded value is taken back instead of decoded when its bytes are the ones
 * loaded and its snapshot proves it still holds what decoding them produced (nothing changed it in
 * place meanwhile). Reading the whole hash, parsing it and decoding were the largest costs of a
 * read-only request left in profiles, in the node and in Redis.
 *
 * <p>Design notes. A session is held only when the last request using it on this node has left and
 * saved ({@link ActiveSession}, {@link ContainerCopies}), so no live record still holds its values;
 * it is taken, never shared: a load takes the whole entry, so at most one record holds a value, as
 * after a decode. Keyed by session id, so values only ever return to their own session, and only
 * for equal bytes (which passed the allowlist and the decode bounds when first decoded). The bytes
 * stand for Redis's attributes only when the record knew them exactly ({@link SessionRecord#storedIsWhole}:
 * loaded, then changed by this node's saves alone, each of which moved the version by one; every
 * write of an attribute goes through {@code save.lua}, which increments it); otherwise only the
 * decoded values are held, and the next load reads the whole hash and compares bytes. A deleted,
 * renamed or expired session is forgotten at once on the node that deletes, renames or expires it
 * (other nodes find it gone, or changed, at their next load, and drop their copy then or when evicted). Bounded by the attributes' encoded size
 * ({@code decodedValuesMaxBytes} per webapp, 0 = off; one session at most a sixteenth of it); over
 * the bound, about half is dropped. A value changed in place after it was kept (code that held on
 * to it after its request) fails its snapshot and is decoded afresh.
 */
final class DecodedValues {
    private record Kept(byte[] bytes, Snapshot snapshot) {
    }

    /**
     * One session as this node last saw it.
     *
     * @param version     the record's version whose attributes {@code stored} are, or -1 when they are not known whole
     * @param created     its creation time
     * @param stamp       the version's {@code stamp} (with the version, what identifies the content in Redis)
     * @param maxInactive its timeout, {@code principal} and {@code cookieSet} its fields that, like the
     *                    attributes, only a save changes (so they are as Redis holds them at that version)
     * @param stored      every attribute's bytes at that version (also those this node could not decode), or null
     * @param values      decoded values with the snapshots they were taken with
     * @param size        encoded bytes counted against the bound
     */
    record Held(long version, long created, String stamp, int maxInactive, String principal, long cookieSet, Map<String, byte[]> stored,
                Map<String, Kept> values, long size) {
        /** True when Redis's unchanged answer for this version can be served from {@link #stored}. */
        boolean whole() {
            return stored != null;
        }

        /**
         * The value held for attribute {@code name} with a snapshot based on {@code loaded}, when
         * {@code loaded} are the bytes it was decoded from and it still holds what they decode to;
         * else {@code null} (decode). Taken either way.
         */
        Snapshot take(AttributeCodec codec, String name, byte[] loaded) {
            Kept k = values.remove(name);
            if (k == null || !Arrays.equals(k.bytes(), loaded) || !codec.unchanged(k.snapshot(), k.snapshot().root(), k.bytes())) {
                return null;
            }
            return k.snapshot().basedOn(loaded);
        }
    }

    private final ConcurrentHashMap<String, Held> held = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AttributeCodec codec;
    private final long maxBytes;

    /** @param maxBytes most encoded bytes held; 0 holds nothing */
    DecodedValues(AttributeCodec codec, long maxBytes) {
        this.codec = codec;
        this.maxBytes = maxBytes;
    }

    /**
     * After the last request using {@code r} on this node saved it: holds its attributes' bytes when
     * the record knows them whole, and each decoded value whose snapshot was taken from the bytes
     * Redis holds now (one that changed was written as other bytes, and is decoded next time).
     */
    void keep(SessionRecord r) {
        if (maxBytes <= 0) {
            return;
        }
        Map<String, Kept> values = new HashMap<>();
        long size = 0;
        for (Map.Entry<String, Snapshot> e : r.snapshots.entrySet()) {
            String name = e.getKey();
            Snapshot s = e.getValue();
            byte[] stored = r.stored.get(name);
            if (stored != null && s.isBasedOn(stored) && r.attributes.get(name) == s.root()) {
                values.put(name, new Kept(stored, s));
                size += stored.length;
            }
        }
        Map<String, byte[]> whole = null;
        if (r.storedIsWhole && r.version() > 0 && r.stamp != null && r.removedOpaque.isEmpty()) {
            whole = new HashMap<>(r.stored);
            whole.putAll(r.opaque);
            long wholeSize = 0;
            for (byte[] b : whole.values()) {
                wholeSize += b.length;
            }
            if (wholeSize <= maxBytes / 16) {
                size = wholeSize;
            } else {
                whole = null; // too large to hold whole: its decoded values alone, if they fit
            }
        }
        if ((values.isEmpty() && whole == null) || size > maxBytes / 16) {
            forget(r.id());
            return;
        }
        if (bytes.get() + size > maxBytes) {
            evictHalf();
        }
        Held h = new Held(whole == null ? -1 : r.version(), r.creationTime(), r.stamp, r.maxInactiveSeconds(), r.storedPrincipal,
                r.cookieSetTime(), whole, values, size);
        Held old = held.put(r.id(), h);
        bytes.addAndGet(size - (old == null ? 0 : old.size()));
    }

    /** Takes what is held for session {@code id} (a load is about to build a record of it), or {@code null}. */
    Held take(String id) {
        Held h = maxBytes <= 0 ? null : held.remove(id);
        if (h != null) {
            bytes.addAndGet(-h.size());
        }
        return h;
    }

    /** Drops session {@code id}'s values (deleted, renamed, expired: nothing may come back to it, and nothing stays in memory). */
    void forget(String id) {
        take(id);
    }

    /** Drops everything (the store closes). */
    void clear() {
        held.keySet().forEach(this::forget);
    }

    /** Decoded values held now (tests). */
    int size() {
        return held.values().stream().mapToInt(h -> h.values().size()).sum();
    }

    /** Their encoded bytes (tests). */
    long bytes() {
        return bytes.get();
    }

    private void evictHalf() {
        Iterator<String> ids = held.keySet().iterator();
        while (ids.hasNext() && bytes.get() > maxBytes / 2) {
            forget(ids.next());
        }
    }
}
