package io.lanyard.tomcat;

import io.lanyard.core.SessionRecord;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;

/**
 * StandardSession's attribute map, backed by the {@link SessionRecord}. Installing this view as
 * {@code StandardSession.attributes} lets Tomcat's own code fire every attribute, binding and
 * expiry event unchanged, while every put/remove reaches the record (which tracks the delta to
 * save). Lanyard's reserved attributes ({@link SessionRecord#isReserved}, e.g. the login) are
 * hidden from the webapp.
 */
final class RecordAttributes extends AbstractMap<String, Object> implements ConcurrentMap<String, Object> {
    private final SessionRecord record;
    /**
     * While Tomcat's activate/passivate iterate the attributes: answer only attributes decoded so
     * far, so activation does not decode (and later re-encode) attributes the request never reads.
     * Set only while no other request can use the session: activation runs when the core's entry
     * attaches the object, passivation when the last request leaves.
     */
    volatile boolean decodedOnly;

    RecordAttributes(SessionRecord record) {
        this.record = record;
    }

    private static boolean hidden(String name) {
        return SessionRecord.isReserved(name);
    }

    @Override
    public Object get(Object name) {
        if (!(name instanceof String s) || hidden(s)) {
            return null;
        }
        return decodedOnly ? record.decodedAttributes().get(s) : record.getAttribute(s);
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
                return record.attributes().entrySet().stream().filter(e -> !hidden(e.getKey()))
                        .map(e -> (Entry<String, Object>) new SimpleImmutableEntry<>(e.getKey(), e.getValue())).iterator();
            }

            @Override
            public int size() {
                int n = 0;
                for (String name : record.attributes().keySet()) {
                    if (!hidden(name)) {
                        n++;
                    }
                }
                return n;
            }
        };
    }

    @Override
    public Set<String> keySet() {
        Set<String> names = new java.util.HashSet<>(record.attributeNames());
        names.removeIf(RecordAttributes::hidden);
        return names;
    }
}
