package io.lanyard.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Change detection of a {@link SessionRecord}: what a save writes, decided by comparing each
 * attribute's encoding with the bytes Redis holds (see the record's design notes).
 */
final class Changes {
    private Changes() {
    }

    /**
     * What a save must write: changed attributes (by byte comparison), removed attributes, and
     * whether metadata changed. Attributes that cannot be encoded are left out and listed in
     * {@link Delta#failures()}; the rest is still saved.
     */
    static Delta delta(SessionRecord r, AttributeCodec codec) {
        // Made on first use: most saves change nothing.
        Map<String, byte[]> changed = null;
        Map<String, Object> values = null;
        Map<String, String> failures = null;
        Map<String, Snapshot> snapshots = null;
        long total = 0;
        List<String> compared = new ArrayList<>();
        for (Map.Entry<String, Object> e : r.attributes.entrySet()) {
            String name = e.getKey();
            Object value = e.getValue();
            byte[] before = r.stored.get(name);
            if (before != null && !r.touched.contains(name) && (AttributeCodec.isImmutable(value) || !r.reads.contains(name))) {
                // Not replaced, and of an immutable type or not read since it was last compared:
                // it cannot have changed, so skip the encoding. Mutable values that were read
                // (carts, lists) are re-encoded and compared.
                total += before.length;
                continue;
            }
            compared.add(name);
            Snapshot snapshot = before == null || r.touched.contains(name) ? null : r.snapshots.get(name);
            if (snapshot != null && codec.unchanged(snapshot, value, before)) {
                // Read, but every object reachable from it holds what it held when decoded from
                // these bytes: provably unchanged without encoding it (see Snapshot).
                total += before.length;
                continue;
            }
            // Taken before the encoding and proven unchanged after it, a snapshot holds what the
            // bytes hold (kept only when no other request holds the values: see committed): the
            // next save, and the next load on this node, compare instead of encoding or decoding.
            Snapshot fresh = codec.snapshotToEncode(value);
            byte[] now;
            try {
                now = before == null ? codec.encode(value) : codec.encodeIfChanged(value, before);
            } catch (LanyardException ex) {
                failures = put(failures, name, ex.getMessage());
                if (before != null) {
                    total += before.length;
                }
                continue;
            }
            if (now == null) {
                total += before.length; // the same bytes: unchanged
                if (fresh != null && codec.unchanged(fresh, value, null)) {
                    snapshots = put(snapshots, name, fresh.basedOn(before));
                }
                continue;
            }
            total += now.length;
            if (before != null && codec.isSameValue(before, now)) {
                // Same value, other byte order: remember this node's encoding as the baseline, so
                // the next save of this record (Jetty stores twice per request, Tomcat once per
                // leaving request) compares bytes again instead of repeating the decode+encode.
                r.stored.replace(name, before, now);
                continue;
            }
            changed = put(changed, name, now);
            values = put(values, name, value);
            if (fresh != null && now[0] == AttributeCodec.KRYO && codec.unchanged(fresh, value, null)) {
                snapshots = put(snapshots, name, fresh.basedOn(now));
            }
        }
        List<String> removed = List.of();
        for (String name : r.stored.keySet()) {
            if (!r.attributes.containsKey(name) && !r.pending.containsKey(name)) {
                removed = add(removed, name);
            }
        }
        for (String name : r.removedOpaque) {
            if (!r.attributes.containsKey(name) && !removed.contains(name)) {
                removed = add(removed, name);
            }
        }
        for (byte[] b : r.opaque.values()) {
            total += b.length;
        }
        for (byte[] b : r.pending.values()) {
            total += b.length; // never decoded, so unchanged
        }
        return new Delta(orEmpty(changed), orEmpty(values), removed, orEmpty(failures), r.maxInactiveChanged || r.metadataGiven,
                r.metadataGiven, total, compared, orEmpty(snapshots));
    }

    private static <V> Map<String, V> put(Map<String, V> map, String name, V value) {
        Map<String, V> m = map != null ? map : new HashMap<>();
        m.put(name, value);
        return m;
    }

    private static <V> Map<String, V> orEmpty(Map<String, V> map) {
        return map != null ? map : Map.of();
    }

    private static List<String> add(List<String> list, String name) {
        List<String> l = list.isEmpty() ? new ArrayList<>() : list;
        l.add(name);
        return l;
    }

    /** See {@link SessionRecord#mayHaveChanged()}. */
    static boolean mayHaveChanged(SessionRecord r) {
        if (r.isNew() || r.maxInactiveChanged || r.metadataGiven || !r.touched.isEmpty() || !r.removedOpaque.isEmpty()) {
            return true;
        }
        for (String name : r.reads) {
            Object value = r.attributes.get(name);
            if (value != null && !AttributeCodec.isImmutable(value)) {
                return true;
            }
        }
        for (String name : r.stored.keySet()) {
            if (!r.attributes.containsKey(name) && !r.pending.containsKey(name)) {
                return true; // removed
            }
        }
        return false;
    }

    /**
     * Records that {@code delta} is now what Redis holds; with {@code forgetReads} (no other request
     * holds the record's values), what it compared counts as unread again, and the snapshots taken
     * around its encodings become the values' snapshots.
     */
    static void committed(SessionRecord r, Delta delta, long newVersion, boolean forgetReads) {
        r.stored.putAll(delta.changed());
        delta.removed().forEach(r.stored::remove);
        if (forgetReads) {
            // Only when no other request holds the values: one could otherwise change a value
            // between the snapshot and the encoding and change it back before the proof.
            delta.snapshots().forEach((name, s) -> {
                if (r.attributes.get(name) == s.root() && s.isBasedOn(r.stored.get(name))) {
                    r.snapshots.put(name, s); // what Redis now holds of this very value
                }
            });
        }
        r.removedOpaque.removeAll(delta.removed());
        // A value replaced by a concurrent request while this save ran stays "touched".
        delta.values().forEach((name, value) -> {
            if (r.attributes.get(name) == value) {
                r.touched.remove(name);
            }
        });
        if (forgetReads) {
            delta.compared().forEach(r.reads::remove);
        }
        if (newVersion > 0) {
            r.saved(newVersion, delta.metadataGiven());
        }
    }

    /**
     * Records that the whole record was written under a new key. An attribute a concurrent request
     * replaced while the copy was written stays "touched", so the next save still writes it.
     */
    static void committedAll(SessionRecord r, FullCopy copy, long newVersion) {
        r.stored.clear();
        for (Map.Entry<String, byte[]> e : copy.bytes().entrySet()) {
            // Every copied attribute is now in Redis, also one a concurrent request removed meanwhile:
            // recorded here, its removal is written by the next save. (Undecodable ones stay opaque.)
            if (!r.opaque.containsKey(e.getKey())) {
                r.stored.put(e.getKey(), e.getValue());
            }
        }
        r.touched.removeIf(name -> r.attributes.get(name) == copy.values().get(name));
        r.removedOpaque.clear();
        r.saved(newVersion, true);
        r.storedIsWhole = true; // a new key holding exactly the copy
    }

    /**
     * {@code d} without the changes of the attributes {@code names}, which it removes instead: a
     * sign-in writes them later, with the principal they name ({@link SessionWriter}).
     */
    static Delta withheld(Delta d, List<String> names) {
        Map<String, byte[]> changed = new HashMap<>(d.changed());
        Map<String, Object> values = new HashMap<>(d.values());
        changed.keySet().removeAll(names);
        values.keySet().removeAll(names);
        List<String> removed = new ArrayList<>(d.removed());
        removed.removeAll(names);
        removed.addAll(names);
        Map<String, Snapshot> snapshots = new HashMap<>(d.snapshots());
        snapshots.keySet().removeAll(names);
        return new Delta(changed, values, removed, d.failures(), d.metadataChanged(), d.metadataGiven(), d.totalBytes(), d.compared(),
                snapshots);
    }

    /** The attributes {@code names} as the record holds them now (absent or unencodable ones left out), to be written again. */
    static Delta only(SessionRecord r, AttributeCodec codec, List<String> names) {
        Map<String, byte[]> changed = new HashMap<>();
        Map<String, Object> values = new HashMap<>();
        long total = 0;
        for (String name : names) {
            Object value = r.getAttribute(name);
            if (value != null) {
                try {
                    byte[] bytes = codec.encode(value);
                    changed.put(name, bytes);
                    values.put(name, value);
                    total += bytes.length;
                } catch (LanyardException e) {
                    // Reported by the save's own delta, which met it first.
                }
            }
        }
        return new Delta(changed, values, List.of(), Map.of(), false, false, total, List.copyOf(changed.keySet()), Map.of());
    }

    /** All attribute bytes as they are to be stored, for a full copy (id change). */
    static FullCopy allEncoded(SessionRecord r, AttributeCodec codec) {
        Map<String, Object> values = new HashMap<>(r.attributes); // before encoding: what the bytes can be older than
        Delta d = delta(r, codec);
        Map<String, byte[]> all = new HashMap<>(r.opaque);
        all.putAll(r.pending);
        for (String name : r.attributes.keySet()) {
            byte[] b = d.changed().get(name);
            if (b == null) {
                b = r.stored.get(name);
            }
            if (b != null) {
                all.put(name, b);
            }
        }
        return new FullCopy(all, values);
    }

    /** See {@link SessionRecord#updateAttributes}. */
    static void update(SessionRecord r, Map<String, Object> visible, Collection<String> changed) {
        for (String name : changed) {
            if (!SessionRecord.isReserved(name)) {
                r.setAttribute(name, visible.get(name));
            }
        }
        for (Map.Entry<String, Object> e : visible.entrySet()) {
            if (!SessionRecord.isReserved(e.getKey()) && r.getAttribute(e.getKey()) != e.getValue()) {
                r.setAttribute(e.getKey(), e.getValue());
            }
        }
        for (String name : r.attributeNames()) {
            if (!visible.containsKey(name) && !SessionRecord.isReserved(name)) {
                r.removeAttribute(name);
            }
        }
    }

    /** Every attribute's bytes for a full copy, and the values they were taken from. */
    record FullCopy(Map<String, byte[]> bytes, Map<String, Object> values) {
        long totalBytes() {
            long n = 0;
            for (byte[] b : bytes.values()) {
                n += b.length;
            }
            return n;
        }
    }

    /** The changes one save writes; {@code compared}: the attributes it encoded to find them. */
    record Delta(Map<String, byte[]> changed, Map<String, Object> values, List<String> removed, Map<String, String> failures,
                 boolean metadataChanged, boolean metadataGiven, long totalBytes, List<String> compared,
                 Map<String, Snapshot> snapshots) {
        boolean isEmpty() {
            return changed.isEmpty() && removed.isEmpty() && !metadataChanged;
        }

        long bytesWritten() {
            long n = 0;
            for (byte[] b : changed.values()) {
                n += b.length;
            }
            return n;
        }
    }
}
