package io.lanyard.core;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One session as a node holds it in memory between load and save: metadata plus attribute values.
 *
 * <p>Design notes. The record remembers the exact bytes each attribute had when it was loaded (or
 * last saved). At save time {@link #delta} re-encodes the attributes and writes only those whose
 * bytes differ: an object mutated in place ({@code cart.add(item)} without {@code setAttribute})
 * is saved, an untouched one is never rewritten, and two nodes changing different attributes of
 * the same session do not overwrite each other. Attributes another node wrote that this node
 * cannot decode are kept as opaque bytes: never shown, never deleted, copied on id change.
 *
 * <p>Attributes are decoded lazily, on first access: a request that never reads the cart pays
 * neither for decoding it nor, at save time, for re-encoding it (an attribute nobody looked at
 * cannot have changed). Profiles of a shop session showed decoding as the largest CPU cost of a
 * read-only request. Likewise a save compares only attributes read since the load ({@link #reads});
 * a caller that knows no other request holds the values may have a save forget those reads
 * ({@link RedisSessionStore#save(SessionRecord, boolean)}), so a second save of one request
 * (Jetty stores at response commit and at the end) compares only what was read since the first.
 *
 * <p>Concurrent requests on one node share one record, so attribute maps are concurrent.
 */
public final class SessionRecord {
    /** Attribute names with this prefix are Lanyard's own (e.g. Tomcat's login): hidden from webapps on both containers. */
    private static final String RESERVED_PREFIX = "io.lanyard.";

    private volatile String id;
    private volatile long creationTime;
    private volatile long lastAccessedTime;
    private volatile long accessedTime;
    private volatile int maxInactiveSeconds;
    private volatile long expiryTime;
    private volatile long version;
    private volatile String lastNode;
    private volatile long cookieSetTime;
    private volatile boolean isNew;
    volatile boolean maxInactiveChanged;
    /** Metadata set as given ({@link #setMetadata}): the next save writes every metadata field. */
    volatile boolean metadataGiven;
    /** The metadata as stored before this node's load touched it; equal to the current values when not touched. */
    private volatile long storedAccessedTime;
    private volatile long storedLastAccessedTime;
    private volatile long storedExpiryTime;
    private volatile String storedLastNode;
    private volatile boolean loadTouched;
    /** The principal as Redis holds it (the {@code principal} field), or null: what a save compares with. */
    volatile String storedPrincipal;
    /** Decides the expiry this record's accesses and timeout changes give (one touch interval late). */
    private final TouchPolicy touch;
    /** A container's time changes since the last store ({@link #syncMetadata}); what Redis holds of the access. */
    final GivenTimes givenTimes = new GivenTimes();

    final ConcurrentHashMap<String, Object> attributes = new ConcurrentHashMap<>();
    /** Bytes of each attribute as they are in Redis (as loaded, or as this node last wrote them, or an encoding of the same value). */
    final ConcurrentHashMap<String, byte[]> stored = new ConcurrentHashMap<>();
    /** Attributes set since load: re-encoded at save even if their type is immutable. */
    final Set<String> touched = ConcurrentHashMap.newKeySet();
    /** Attributes whose values were handed out (read) since load, or since a save that compared them while nobody else held them. */
    final Set<String> reads = ConcurrentHashMap.newKeySet();
    /** Attributes in Redis this node could not decode (missing or refused class): preserved, not shown. */
    final ConcurrentHashMap<String, byte[]> opaque = new ConcurrentHashMap<>();
    /** Loaded attributes not decoded yet (their bytes are also in {@link #stored}). */
    final ConcurrentHashMap<String, byte[]> pending = new ConcurrentHashMap<>();
    /** What decoded attributes held when decoded: a save proves them unchanged without encoding ({@link Snapshot}). */
    final ConcurrentHashMap<String, Snapshot> snapshots = new ConcurrentHashMap<>();
    /**
     * True while {@link #stored} and {@link #opaque} together are the attributes Redis holds at
     * {@link #version()} (its bytes, or this node's encoding of the same value: see the same-value
     * check in {@link Changes#delta}): loaded so, and changed since only by this node's saves, each of
     * which moved the version by one (so nobody else wrote in between). What lets the next load on
     * this node be answered "unchanged" ({@link DecodedValues}). Set where that is known (a new
     * record; a load or a peek, which read the whole hash; a moved one); listings never claim it.
     */
    volatile boolean storedIsWhole;
    /** The {@code stamp} field of the version this record holds ({@link RedisLayout#STAMP}), or null. */
    volatile String stamp;
    /** Decodes a pending attribute; null when it cannot be decoded (then it becomes opaque). */
    volatile PendingAttributes.Decoder decoder;
    volatile java.util.function.BiConsumer<String, Object> decodeListener;
    /** Undecodable attributes removed on this node: deleted from Redis by the next save. */
    final Set<String> removedOpaque = ConcurrentHashMap.newKeySet();
    /** Serializes saves of this record (see {@link SessionWriter}). */
    final java.util.concurrent.locks.ReentrantLock saveLock = new java.util.concurrent.locks.ReentrantLock();

    SessionRecord(String id, long creationTime, long lastAccessedTime, long accessedTime, int maxInactiveSeconds,
                  long expiryTime, long version, String lastNode, boolean isNew, TouchPolicy touch) {
        this.id = id;
        this.touch = touch;
        this.creationTime = creationTime;
        this.lastAccessedTime = lastAccessedTime;
        this.accessedTime = accessedTime;
        this.maxInactiveSeconds = maxInactiveSeconds;
        this.expiryTime = expiryTime;
        this.version = version;
        this.lastNode = lastNode;
        this.isNew = isNew;
        this.storedIsWhole = isNew; // nothing in Redis yet: its first save writes every attribute
        this.storedAccessedTime = accessedTime;
        this.storedLastAccessedTime = lastAccessedTime;
        this.storedExpiryTime = expiryTime;
        this.storedLastNode = lastNode;
    }

    /** True for attribute names reserved for Lanyard's container-internal data ({@code io.lanyard.*}): the one rule of both adapters. */
    public static boolean isReserved(String attributeName) {
        return attributeName.startsWith(RESERVED_PREFIX);
    }

    /**
     * Applies a request's access to this copy (Redis holds it, or an access recent enough: see
     * {@link TouchPolicy}); the stored values stay readable.
     */
    void touched(long now, String node, boolean written) {
        lastAccessedTime = accessedTime;
        accessedTime = now;
        expiryTime = touch.expiryFor(now, maxInactiveSeconds);
        lastNode = node;
        loadTouched = true;
        givenTimes.held(written ? now : storedAccessedTime, written ? expiryTime : storedExpiryTime);
    }

    void cookieSetTime(long millis) { this.cookieSetTime = millis; }

    /** The session id (the part of the cookie before any route suffix). */
    public String id() { return id; }

    void id(String newId) {
        this.id = newId;
    }

    /** Epoch millis when the session was created. */
    public long creationTime() { return creationTime; }

    /** Epoch millis of the request before the current one (servlet {@code getLastAccessedTime}). */
    public long lastAccessedTime() { return lastAccessedTime; }

    /**
     * True when this record was loaded by a request's load, which applied the access to it
     * ({@link #accessedTime()} etc.): nothing for a save to write. Redis holds that access, or,
     * within the touch interval, an earlier one whose expiry already covers it.
     */
    public boolean isTouched() { return loadTouched; }

    /** {@code accessed} as stored before this node's touch (Jetty's {@code SessionData} carries stored times; Jetty applies the access itself). */
    public long storedAccessedTime() { return storedAccessedTime; }

    /** {@code lastAccessed} as stored before this node's touch. */
    public long storedLastAccessedTime() { return storedLastAccessedTime; }

    /** {@code expiry} as stored before this node's touch. */
    public long storedExpiryTime() { return storedExpiryTime; }

    /** {@code node} as stored before this node's touch. */
    public String storedLastNode() { return storedLastNode; }

    /** Epoch millis when the session cookie was last set (Jetty's {@code cookieSet}); 0 when unknown. */
    public long cookieSetTime() { return cookieSetTime; }

    /** A container sets the session's {@code accessed} time, replacing {@code previous} (see {@link #syncMetadata}). */
    public void accessedSet(long previous) { givenTimes.accessedSet(previous); }

    /** A container sets the session's {@code lastAccessed} time (see {@link #syncMetadata}). */
    public void lastAccessedSet(long lastAccessed) { givenTimes.lastAccessedSet(lastAccessed); }

    /**
     * A store of a container's metadata (Jetty's {@code SessionData}): nothing when it carries only
     * accesses that what Redis holds covers ({@link GivenTimes#expiryToWrite}; {@code tracked}: the
     * container reported its time changes through {@link #accessedSet} and {@link #lastAccessedSet}),
     * else every field as given ({@link #setMetadata}), an access with the touch's expiry.
     */
    public void syncMetadata(long created, long accessed, long lastAccessed, int maxInactive, long expiry, String node,
                             long cookieSet, boolean tracked) {
        long write = givenTimes.expiryToWrite(this, touch, created, accessed, lastAccessed, maxInactive, expiry, cookieSet, tracked);
        if (write != GivenTimes.NOTHING) {
            setMetadata(created, accessed, lastAccessed, maxInactive, write, node, cookieSet);
        }
    }

    /**
     * A store of a container's own copy (Jetty's {@code SessionData}; {@link RedisSessionStore#storeCopy}): its
     * {@code attributes} when it keeps its own ({@link #updateAttributes}; null when its map is this record's, whose
     * time changes it then reported), then its metadata ({@link #syncMetadata}), the timeout given in millis.
     */
    public void syncCopy(Map<String, Object> attributes, long created, long accessed, long lastAccessed, long maxInactiveMs,
                         long expiry, String node, long cookieSet) {
        if (attributes != null) {
            updateAttributes(attributes, List.of());
        }
        syncMetadata(created, accessed, lastAccessed, timeoutSeconds(maxInactiveMs), expiry, node, cookieSet, attributes == null);
    }

    /**
     * Sets every metadata field as given (Jetty's {@code SessionData}): the next save writes them
     * exactly, when any differs from what this record holds.
     */
    public void setMetadata(long created, long accessed, long lastAccessed, int maxInactive, long expiry, String node,
                            long cookieSet) {
        if (created == creationTime && accessed == accessedTime && lastAccessed == lastAccessedTime
                && maxInactive == maxInactiveSeconds && expiry == expiryTime && java.util.Objects.equals(node, lastNode)
                && cookieSet == cookieSetTime) {
            return;
        }
        creationTime = created;
        accessedTime = accessed;
        lastAccessedTime = lastAccessed;
        maxInactiveSeconds = maxInactive;
        expiryTime = expiry;
        lastNode = node;
        cookieSetTime = cookieSet;
        metadataGiven = true;
    }

    /** Epoch millis of the current request (the touch that loaded this record). */
    public long accessedTime() { return accessedTime; }

    /** A timeout in millis (Jetty's) as whole seconds: a positive one never rounds down to "never expires"; -1 for never. */
    public static int timeoutSeconds(long millis) { return millis <= 0 ? -1 : (int) Math.max(1, (millis + 999) / 1000); }

    /** A timeout in seconds as millis (Jetty's); -1 for never. */
    public static long timeoutMillis(int seconds) { return seconds <= 0 ? -1 : seconds * 1000L; }

    /** Seconds of inactivity after which the session expires; {@code <= 0} never expires. */
    public int maxInactiveSeconds() { return maxInactiveSeconds; }

    /** Changes the inactivity timeout; saved with the next {@link RedisSessionStore#save}. */
    public void setMaxInactiveSeconds(int seconds) {
        if (seconds != maxInactiveSeconds) {
            maxInactiveSeconds = seconds;
            expiryTime = touch.expiryFor(accessedTime, seconds);
            maxInactiveChanged = true;
        }
    }

    /** Epoch millis when the session expires (one touch interval after its timeout: see {@link TouchPolicy}), 0 when it never does. */
    public long expiryTime() { return expiryTime; }

    /** True when the session has expired at {@code nowMillis}. */
    public boolean isExpiredAt(long nowMillis) {
        return expiryTime > 0 && expiryTime <= nowMillis;
    }

    /** Save counter in Redis: 1 after creation, +1 per save that wrote something. */
    public long version() { return version; }

    /** Node that last touched the session. */
    public String lastNode() { return lastNode; }

    /** True until the session has been saved once (servlet {@code isNew} on the creating request). */
    public boolean isNew() { return isNew; }

    /** The attribute value, or {@code null}. */
    public Object getAttribute(String name) {
        Object v = attributes.get(name);
        if (v == null && !pending.isEmpty()) {
            v = PendingAttributes.decode(this, name);
        }
        if (v != null) {
            reads.add(name); // handed out: may be changed in place, so the next save compares it
        }
        return v;
    }

    /**
     * True when a save could write something: the record is new, its timeout or metadata changed,
     * an attribute was set or removed, or a value of a mutable type was read (it may have been
     * changed in place) since the load or the last save that compared it. An attribute never read
     * cannot have changed.
     */
    public boolean mayHaveChanged() {
        return Changes.mayHaveChanged(this);
    }

    /**
     * Called with each attribute decoded lazily after load (Tomcat uses it to send
     * {@code sessionDidActivate} to an attribute when it is first decoded).
     */
    public void setDecodeListener(java.util.function.BiConsumer<String, Object> listener) {
        this.decodeListener = listener;
    }

    /** The attributes as a live concurrent map, Lanyard's reserved ones hidden (Tomcat's session works on it). */
    public java.util.concurrent.ConcurrentMap<String, Object> asMap() {
        return new RecordMap(this, false);
    }

    /**
     * As {@link #asMap()}, for a record listed with metadata only ({@link RedisSessionStore#recentSessions}): on the
     * map's first use the whole record is read through {@code whole} ({@link RedisSessionStore#peek}) and handed to
     * {@code loaded}; the map then is the whole record's (this one's when the session is gone).
     */
    public java.util.concurrent.ConcurrentMap<String, Object> asMapLoadedOnUse(java.util.function.Supplier<SessionRecord> whole,
                                                                              java.util.function.Consumer<SessionRecord> loaded) {
        return new ListedAttributes(this, whole, loaded);
    }

    /**
     * As {@link #asMap()}, but showing only the attributes decoded so far: what Tomcat's activation
     * and passivation walk, so that they neither decode nor (at the next save) re-encode attributes
     * the request never read. A live view, not a copy.
     */
    public java.util.concurrent.ConcurrentMap<String, Object> decodedAsMap() {
        return new RecordMap(this, true);
    }

    /** Sets (or, with {@code null}, removes) an attribute; returns the previous value. */
    public Object setAttribute(String name, Object value) {
        if (value == null) {
            return removeAttribute(name);
        }
        Object previous = getAttribute(name); // decoded for the caller's "replaced" events
        touched.add(name);
        opaque.remove(name);
        attributes.put(name, value);
        return previous;
    }

    /** Removes an attribute; returns the previous value. */
    public Object removeAttribute(String name) {
        getAttribute(name); // decoded for the caller's "removed" events
        touched.remove(name);
        if (opaque.remove(name) != null) {
            removedOpaque.add(name);
        }
        return attributes.remove(name);
    }

    /**
     * Brings the attributes to a container's own map of them (Jetty's {@code SessionData}): those
     * named in {@code changed} (set since the last save) and those whose object is not the
     * record's are set, those missing from {@code visible} removed; Lanyard's reserved attributes
     * stay as they are. The save then writes only what really changed (byte comparison).
     */
    public void updateAttributes(Map<String, Object> visible, java.util.Collection<String> changed) {
        Changes.update(this, visible, changed);
    }

    /**
     * Keeps a container's login under reserved attribute {@code attribute} as plain strings
     * ({@link StoredLogin}), so it survives a node switch; a null {@code name} removes it.
     */
    public void setLogin(String attribute, String authType, String name, java.util.Collection<String> roles) {
        StoredLogin.set(this, attribute, authType, name, roles);
    }

    /** The login kept under {@code attribute} ({@link #setLogin}) as {@code [authType or "", name, role...]}, or null. */
    public List<String> login(String attribute) { return StoredLogin.get(this, attribute); }

    /** The user's name in a value kept by {@link #setLogin} (for {@link RedisSessionStore#serve}), or null. */
    public static String loginName(Object value) { return StoredLogin.name(value); }

    /** Names of the attributes this node can see (a snapshot). */
    public Set<String> attributeNames() {
        Set<String> names = new HashSet<>(attributes.keySet());
        names.addAll(pending.keySet());
        return Collections.unmodifiableSet(names);
    }

    /** The attributes as an unmodifiable live view (decodes every attribute not decoded yet). */
    public Map<String, Object> attributes() {
        PendingAttributes.decodeAll(this);
        reads.addAll(attributes.keySet());
        return Collections.unmodifiableMap(attributes);
    }

    /** Names of attributes present in Redis that this node could not decode (decodes the rest to find out). */
    Set<String> undecodableAttributeNames() {
        PendingAttributes.decodeAll(this);
        return Collections.unmodifiableSet(new HashSet<>(opaque.keySet()));
    }

    // ---- used by the store ----

    /** An attribute as loaded from Redis and already decoded (as after a request that read it). */
    void putLoaded(String name, Object value, byte[] bytes) {
        attributes.put(name, value);
        stored.put(name, bytes);
        reads.add(name);
    }

    /** An attribute as loaded from Redis, decoded on first access. */
    void putPending(String name, byte[] bytes) {
        pending.put(name, bytes);
        stored.put(name, bytes);
    }

    /**
     * After a save wrote version {@code newVersion} (see {@link Changes#committed}): the record is in
     * Redis as it is now, this request's access included (a new record's access is its creation).
     */
    void saved(long newVersion, boolean metadataWritten) {
        loadTouched = true;
        maxInactiveChanged = false;
        if (metadataWritten) {
            metadataGiven = false;
        }
        isNew = false;
        if (newVersion != version + 1) {
            storedIsWhole = false; // another write came between this record's load or last save and this one
        }
        version = newVersion;
    }

    @Override
    public String toString() {
        return "SessionRecord{id=" + SessionIds.abbreviate(id) + ", version=" + version + ", attributes=" + attributeNames() + "}";
    }
}
