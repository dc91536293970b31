package io.lanyard.core;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;

/**
 * A record's attributes as a concurrent map, for containers whose session code works on a map
 * (Tomcat's {@code StandardSession.attributes}): every put/remove reaches the record (which
 * tracks the delta to save), attributes are decoded on first access, and Lanyard's reserved
 * attributes ({@link SessionRecord#isReserved}) are hidden.
 */
final class RecordMap extends AbstractMap<String, Object> implements ConcurrentMap<String, Object> {
    private final SessionRecord record;
    /** Shows only the attributes decoded so far (see {@link SessionRecord#decodedAsMap()}). */
    private final boolean decodedOnly;

    RecordMap(SessionRecord record, boolean decodedOnly) {
        this.record = record;
        this.decodedOnly = decodedOnly;
    }

    private static boolean hidden(String name) {
        return SessionRecord.isReserved(name);
    }

    @Override
    public Object get(Object name) {
        if (!(name instanceof String s) || hidden(s) || decodedOnly && !record.attributes.containsKey(s)) {
            return null;
        }
        return record.getAttribute(s);
    }

    @Override
    public boolean containsKey(Object name) {
        return get(name) != null;
    }

    @Override
    public Object put(String name, Object value) {
        if (hidden(name)) {
            throw new IllegalArgumentException("attribute name " + name + " is reserved by Lanyard");
        }
        return record.setAttribute(name, value);
    }

    @Override
    public Object remove(Object name) {
        return name instanceof String s && !hidden(s) ? record.removeAttribute(s) : null;
    }

    @Override
    public Object putIfAbsent(String name, Object value) {
        Object old = get(name);
        return old != null ? old : put(name, value);
    }

    @Override
    public boolean remove(Object name, Object value) {
        if (value != null && Objects.equals(get(name), value)) {
            remove(name);
            return true;
        }
        return false;
    }

    @Override
    public boolean replace(String name, Object oldValue, Object newValue) {
        if (Objects.equals(get(name), oldValue)) {
            put(name, newValue);
            return true;
        }
        return false;
    }

    @Override
    public Object replace(String name, Object value) {
        return containsKey(name) ? put(name, value) : null;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return keySet().stream().map(name -> (Entry<String, Object>) new SimpleImmutableEntry<>(name, get(name)))
                        .filter(e -> e.getValue() != null).iterator();
            }

            @Override
            public int size() {
                return RecordMap.this.size();
            }
        };
    }

    /** Counts names; decodes (and so marks as read) nothing. */
    @Override
    public int size() {
        return keySet().size();
    }

    @Override
    public boolean isEmpty() {
        return keySet().isEmpty();
    }

    @Override
    public void clear() {
        keySet().forEach(this::remove);
    }

    /** A snapshot of the names (a copy: Tomcat and Jetty remove attributes while iterating over it). */
    @Override
    public Set<String> keySet() {
        Set<String> names = new java.util.HashSet<>();
        for (String name : record.attributes.keySet()) {
            if (!hidden(name)) {
                names.add(name);
            }
        }
        if (!decodedOnly) {
            for (String name : record.pending.keySet()) {
                if (!hidden(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
