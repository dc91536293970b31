package io.lanyard.core;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The attributes of a record listed with metadata only ({@link SessionListing}), for an operator's
 * tool that lists many sessions and shows a few ({@link SessionRecord#asMapLoadedOnUse}): the whole
 * record is read once, on the map's first use; the map then is the whole record's
 * ({@link SessionRecord#asMap()}), or the listed one's (empty) when the session is gone. A failed
 * read is thrown, and tried again on the next use.
 */
final class ListedAttributes extends AbstractMap<String, Object> implements ConcurrentMap<String, Object> {
    private final SessionRecord listed;
    private final Supplier<SessionRecord> whole;
    private final Consumer<SessionRecord> loaded;
    private volatile ConcurrentMap<String, Object> map;

    ListedAttributes(SessionRecord listed, Supplier<SessionRecord> whole, Consumer<SessionRecord> loaded) {
        this.listed = listed;
        this.whole = whole;
        this.loaded = loaded;
    }

    private ConcurrentMap<String, Object> map() {
        ConcurrentMap<String, Object> m = map;
        if (m == null) {
            synchronized (this) {
                m = map;
                if (m == null) {
                    SessionRecord full = whole.get();
                    m = (full != null ? full : listed).asMap();
                    map = m;
                    if (full != null) {
                        loaded.accept(full);
                    }
                }
            }
        }
        return m;
    }

    @Override public Object get(Object key) { return map().get(key); }
    @Override public boolean containsKey(Object key) { return map().containsKey(key); }
    @Override public Object put(String key, Object value) { return map().put(key, value); }
    @Override public Object remove(Object key) { return map().remove(key); }
    @Override public Set<Map.Entry<String, Object>> entrySet() { return map().entrySet(); }
    @Override public Set<String> keySet() { return map().keySet(); }
    @Override public int size() { return map().size(); }
    @Override public boolean isEmpty() { return map().isEmpty(); }
    @Override public void clear() { map().clear(); }
    @Override public Object putIfAbsent(String key, Object value) { return map().putIfAbsent(key, value); }
    @Override public boolean remove(Object key, Object value) { return map().remove(key, value); }
    @Override public boolean replace(String key, Object oldValue, Object newValue) { return map().replace(key, oldValue, newValue); }
    @Override public Object replace(String key, Object value) { return map().replace(key, value); }
}
