package io.lanyard.core;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Output;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Turns one attribute value into the bytes of one hash field and back.
 *
 * <p>Design notes. Strings, numbers and booleans are stored as tagged plain text ({@code s:alice},
 * {@code i:42}, {@code b:true}) so operators and other services can read them with
 * {@code redis-cli}. Everything else is Kryo: one tag byte {@code K} followed by Kryo's output.
 * User classes use {@link NamedFieldSerializer} (fields by name, each length-prefixed) so a class
 * that gained or lost a field in a rolling deploy still decodes. Kryo instances are pooled per
 * codec without locks ({@link WorkerPool}), and there is one codec per webapp, so per webapp class
 * loader.
 *
 * <p>Safety: every class name read from Redis passes {@link ClassAllowlist} <em>before</em> it is
 * loaded ({@link KryoFactory}), and it is then loaded only through the webapp's class loader, never
 * through Kryo's own fallback loader. Writing a class that is not allowed fails at once on the
 * writing node, so a forgotten {@code allowedClasses} entry shows up in development rather than as
 * refused data on another node.
 *
 * <p>Bytes from Redis are hostile until decoded: a decode is bounded in depth, declared lengths,
 * elements and work ({@link BoundedInput}, {@link DecodeBudget}, {@link HashGuard},
 * {@link StructureCheck}), and a pooled Kryo whose encode or decode failed is dropped, never handed
 * to the next session with half-unwound state.
 */
final class AttributeCodec {
    static final byte KRYO = 'K';

    private final WorkerPool<KryoFactory.Worker> pool;
    /** How {@link Snapshot} looks into each class, as this codec's Kryo serializes it. */
    private final java.util.concurrent.ConcurrentHashMap<Class<?>, Snapshot.Shape> shapes = new java.util.concurrent.ConcurrentHashMap<>();
    private final Snapshot.Shapes shapeOf = this::shape;

    AttributeCodec(ClassAllowlist allowlist, ClassLoader classLoader, MetricsRecorder metrics) {
        KryoFactory factory = new KryoFactory(allowlist, classLoader, metrics);
        this.pool = new WorkerPool<>(WorkerPool.defaultSize(), factory::newWorker);
    }

    /**
     * Encodes a non-null value.
     *
     * @throws LanyardException.ClassNotAllowedException when the value (or anything it holds) is of a class outside the allowlist
     * @throws LanyardException when Kryo cannot serialize it
     */
    byte[] encode(Object value) {
        return encode(value, null);
    }

    /**
     * Encodes a non-null value for change detection: {@code null} when its encoding is exactly
     * {@code stored}, compared in the pooled buffer, so an unchanged attribute costs no copy.
     *
     * @throws LanyardException as {@link #encode(Object)}
     */
    byte[] encodeIfChanged(Object value, byte[] stored) {
        return encode(value, stored);
    }

    private byte[] encode(Object value, byte[] unlessEqual) {
        byte[] text = textOf(value);
        if (text != null) {
            return java.util.Arrays.equals(text, unlessEqual) ? null : text;
        }
        KryoFactory.Worker w = pool.obtain();
        boolean succeeded = false;
        try {
            Output out = w.output;
            out.reset();
            out.writeByte(KRYO);
            w.kryo.writeClassAndObject(out, value);
            int n = out.position();
            byte[] bytes = unlessEqual != null && unlessEqual.length == n
                    && java.util.Arrays.equals(out.getBuffer(), 0, n, unlessEqual, 0, n) ? null : out.toBytes();
            succeeded = true;
            return bytes;
        } catch (KryoException e) {
            LanyardException.ClassNotAllowedException refused = findRefusal(e);
            if (refused != null) {
                throw refused;
            }
            throw new LanyardException(null, "cannot encode a " + value.getClass().getName() + ": " + e.getMessage(), e);
        } catch (LanyardException e) {
            throw e;
        } catch (RuntimeException e) {
            // Kryo's reflection can throw InaccessibleObjectException (a user class extending a JDK
            // class with private fields), a collection can change while it is written: both mean
            // "this attribute cannot be stored", never "fail the save". Too deep a graph is a
            // KryoException (maxDepth), never a StackOverflowError.
            throw new LanyardException(null, "cannot encode a " + value.getClass().getName() + ": " + e, e);
        } finally {
            release(w, succeeded);
        }
    }

    /** The tagged plain text of a simple value, or {@code null} for a value Kryo encodes. */
    private static byte[] textOf(Object value) {
        if (value instanceof String s) {
            return text('s', s);
        } else if (value instanceof Integer i) {
            return text('i', i.toString());
        } else if (value instanceof Long l) {
            return text('l', l.toString());
        } else if (value instanceof Boolean b) {
            return text('b', b.toString());
        } else if (value instanceof Double d) {
            return text('d', d.toString());
        } else if (value instanceof Float f) {
            return text('f', f.toString());
        } else if (value instanceof Short s) {
            return text('h', s.toString());
        } else if (value instanceof Byte b) {
            return text('y', b.toString());
        }
        return null;
    }

    /**
     * A snapshot of a value just decoded from {@code bytes}, with which a save can tell it unchanged
     * without encoding it ({@link Snapshot}) and the next load on this node can take it back; null
     * for graphs it cannot take, immutable collections and small immutable values (decoded each time).
     */
    Snapshot snapshot(Object value, byte[] bytes) {
        if (isImmutableType(value.getClass())) {
            return Snapshot.ofImmutable(value, bytes);
        }
        return bytes.length > 0 && bytes[0] == KRYO && !isImmutable(value) ? Snapshot.take(value, bytes, shapeOf) : null;
    }

    /**
     * A snapshot of {@code value} about to be encoded, or null (immutable, or not snapshottable):
     * valid for the bytes only when {@link #unchanged}{@code (it, value, null)} after the encoding,
     * then {@linkplain Snapshot#basedOn based on} them.
     */
    Snapshot snapshotToEncode(Object value) {
        return isImmutable(value) ? null : Snapshot.take(value, null, shapeOf);
    }

    /** True when {@code value} provably still encodes to {@code stored} ({@link Snapshot#unchanged}). */
    boolean unchanged(Snapshot snapshot, Object value, byte[] stored) {
        return snapshot.unchanged(value, stored);
    }

    private Snapshot.Shape shape(Class<?> type) {
        Snapshot.Shape s = shapes.get(type);
        if (s == null) {
            KryoFactory.Worker w = pool.obtain();
            try {
                s = Snapshot.shapeOf(w.kryo, type);
            } finally {
                release(w, true);
            }
            shapes.putIfAbsent(type, s);
        }
        return s;
    }

    private void release(KryoFactory.Worker w, boolean succeeded) {
        if (w.release(succeeded)) {
            pool.free(w);
        }
        // else: dropped; the pool creates a fresh one when it has none idle
    }

    /**
     * Decodes bytes written by {@link #encode}, within the work budget their size allows.
     *
     * @throws DecodeException when the bytes are corrupt, exceed a limit, or name a refused or missing class
     */
    Object decode(byte[] bytes) throws DecodeException {
        return decode(bytes, DecodeBudget.forBytes(bytes == null ? 0 : bytes.length));
    }

    /** As {@link #decode(byte[])} with an explicit budget. */
    Object decode(byte[] bytes, DecodeBudget budget) throws DecodeException {
        if (bytes == null || bytes.length == 0) {
            throw new DecodeException("empty value", null);
        }
        byte tag = bytes[0];
        if (tag == KRYO) {
            KryoFactory.Worker w = pool.obtain();
            boolean succeeded = false;
            try {
                w.input.start(bytes, 1, bytes.length - 1, budget);
                Object value = w.kryo.readClassAndObject(w.input);
                if (w.input.position() != bytes.length || value == null) { // null: no save writes it (crafted or corrupt)
                    throw new DecodeException(value == null ? "a null value" : "trailing bytes after the value", null);
                }
                if (w.references.referencedBack()) {
                    new StructureCheck(budget).checkAll(w.references.objectsRead());
                }
                succeeded = true;
                return value;
            } catch (RuntimeException e) {
                // Corrupt bytes can surface as almost any runtime exception inside Kryo or a
                // collection's add/put; all of them mean "this attribute cannot be decoded".
                LanyardException.ClassNotAllowedException refused = findRefusal(e);
                if (refused != null) {
                    throw new DecodeException(refused.getMessage(), refused);
                }
                throw new DecodeException("corrupt Kryo data: " + e, e);
            } catch (Error e) {
                // Stack and heap exhaustion are not handled here: decoding is bounded so that they
                // cannot come from the data, and a caught StackOverflowError can leave a class
                // half-initialized for the whole JVM. Any other Error (an allowed class whose static
                // initializer or dependencies fail, an assertion in application code) means this
                // attribute cannot be decoded on this node; it never fails the request.
                if (e instanceof VirtualMachineError) {
                    throw e;
                }
                throw new DecodeException("cannot decode: " + e, e);
            } finally {
                release(w, succeeded);
            }
        }
        if (bytes.length < 2 || bytes[1] != ':') {
            throw new DecodeException("unknown value format (first byte " + (bytes[0] & 0xff) + ")", null);
        }
        String text = new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_8);
        try {
            return switch (tag) {
                case 's' -> text;
                case 'i' -> Integer.valueOf(text);
                case 'l' -> Long.valueOf(text);
                case 'b' -> parseBoolean(text);
                case 'd' -> Double.valueOf(text);
                case 'f' -> Float.valueOf(text);
                case 'h' -> Short.valueOf(text);
                case 'y' -> Byte.valueOf(text);
                default -> throw new DecodeException("unknown value tag '" + (char) tag + "'", null);
            };
        } catch (NumberFormatException e) {
            throw new DecodeException("'" + (char) tag + "' value is not a number: '" + text + "'", e);
        }
    }

    /**
     * True when {@code stored} (bytes as Redis holds them) is the same value as {@code current} (this
     * node's encoding of the live object), although the bytes differ. Kryo writes maps and sets in
     * iteration order, and that order is not stable across a decode: a decoded {@code HashMap} gets
     * a capacity of Kryo's choosing (other buckets, other order), and {@code Map.of}/{@code Set.of}
     * iterate in an order salted per JVM. Without this check an untouched preferences map would be
     * rewritten by every read-only request on another node, overwriting that node's concurrent change.
     *
     * <p>Exact where it answers true: the stored bytes, decoded and encoded again in this JVM, are
     * {@code current}. That costs a decode and an encode, so it only runs when the bytes could be a
     * reordering (same length, same byte histogram); a real change (a quantity bump) fails that
     * cheap test and is written at once. A false answer only costs a write of identical content.
     */
    boolean isSameValue(byte[] stored, byte[] current) {
        if (stored.length != current.length || stored.length == 0 || stored[0] != KRYO || current[0] != KRYO
                || !sameByteHistogram(stored, current)) {
            return false;
        }
        try {
            return java.util.Arrays.equals(encode(decode(stored)), current);
        } catch (DecodeException | RuntimeException e) {
            return false;
        }
    }

    /** Same length assumed; only the span between the first and the last differing byte is counted. */
    private static boolean sameByteHistogram(byte[] a, byte[] b) {
        int first = java.util.Arrays.mismatch(a, b);
        if (first < 0) {
            return true;
        }
        int last = a.length - 1;
        while (a[last] == b[last]) {
            last--;
        }
        int[] counts = new int[256];
        for (int i = first; i <= last; i++) {
            counts[a[i] & 0xff]++;
            counts[b[i] & 0xff]--;
        }
        for (int c : counts) {
            if (c != 0) {
                return false;
            }
        }
        return true;
    }

    private static Boolean parseBoolean(String text) throws DecodeException {
        if (text.equals("true")) {
            return Boolean.TRUE;
        }
        if (text.equals("false")) {
            return Boolean.FALSE;
        }
        throw new DecodeException("'b' value is not true/false: '" + text + "'", null);
    }

    /**
     * True for values whose encoding cannot change without a setAttribute: no need to re-encode them
     * to detect changes. Also a small {@code List.of}/{@code Set.of}/{@code Map.of} collection of
     * such values (Tomcat's login attribute is one, read on every request of a signed-in session).
     */
    static boolean isImmutable(Object value) {
        return isImmutableType(value.getClass()) || isImmutableCollection(value, 2);
    }

    /** Most elements {@link #isImmutableCollection} looks at: a larger collection is simply re-encoded. */
    private static final int IMMUTABLE_COLLECTION_MAX = 32;

    /**
     * The JDK's immutable collections ({@code java.util.ImmutableCollections}: {@code List.of},
     * {@code Set.of}, {@code Map.of}, {@code List.copyOf} and their views), up to
     * {@value #IMMUTABLE_COLLECTION_MAX} elements that are themselves immutable, nested at most
     * {@code depth} levels. Unmodifiable wrappers are not: their backing collection can change.
     */
    private static boolean isImmutableCollection(Object value, int depth) {
        if (!IMMUTABLE_COLLECTION_TYPE.get(value.getClass())) {
            return false;
        }
        java.util.Collection<?> elements = value instanceof java.util.Map<?, ?> m ? m.values() : (java.util.Collection<?>) value;
        if (elements.size() > IMMUTABLE_COLLECTION_MAX) {
            return false;
        }
        for (Object e : elements) {
            // Stream.toList's lists are of this class and may hold nulls: simply re-encoded.
            if (e == null || !isImmutableType(e.getClass()) && (depth == 0 || !isImmutableCollection(e, depth - 1))) {
                return false;
            }
        }
        if (value instanceof java.util.Map<?, ?> m) {
            for (Object k : m.keySet()) {
                if (!isImmutableType(k.getClass())) {
                    return false;
                }
            }
        }
        return true;
    }

    private static final ClassValue<Boolean> IMMUTABLE_COLLECTION_TYPE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return type.getName().startsWith("java.util.ImmutableCollections$") && type.getClassLoader() == null
                    && (java.util.Collection.class.isAssignableFrom(type) || java.util.Map.class.isAssignableFrom(type));
        }
    };

    /** See {@link #IMMUTABLE_VALUE_TYPE}; also decides which classes Kryo tracks by reference. */
    static boolean isImmutableType(Class<?> type) {
        return IMMUTABLE_VALUE_TYPE.get(type);
    }

    /**
     * JDK value types that are immutable and hold no references to other objects: a value of one
     * cannot change in place, and it cannot be part of a cycle. Exact classes only (a subclass of
     * {@code BigDecimal} could be mutable). Cached per class: asked for every object Kryo writes.
     */
    private static final ClassValue<Boolean> IMMUTABLE_VALUE_TYPE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return type == String.class || type == Integer.class || type == Long.class || type == Boolean.class
                    || type == Double.class || type == Float.class || type == Short.class || type == Byte.class
                    || type == Character.class || Enum.class.isAssignableFrom(type) || type == UUID.class
                    || type == java.math.BigDecimal.class || type == java.math.BigInteger.class
                    || type == java.util.Currency.class || type == java.util.Locale.class
                    || (java.time.temporal.TemporalAccessor.class.isAssignableFrom(type) || type == java.time.Duration.class
                        || type == java.time.Period.class || java.time.ZoneId.class.isAssignableFrom(type))
                       && type.getName().startsWith("java.time.");
        }
    };

    private static byte[] text(char tag, String s) {
        byte[] body = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + 2];
        out[0] = (byte) tag;
        out[1] = ':';
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    private static LanyardException.ClassNotAllowedException findRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LanyardException.ClassNotAllowedException r) {
                return r;
            }
        }
        return null;
    }

    /** An attribute value that cannot be decoded. */
    static final class DecodeException extends Exception {
        private static final long serialVersionUID = 1L;

        DecodeException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
