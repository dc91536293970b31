package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.serializers.FieldSerializer;
import com.esotericsoftware.kryo.serializers.RecordSerializer;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a decoded attribute's object graph held when it was decoded (or when a save encoded it), so that a save can prove it
 * unchanged without encoding it again: Hibernate's dirty checking by snapshot, applied to the
 * state Kryo encodes. A save that finds every object reachable from the same root holding the same
 * field values (the same references; equal immutable values) knows the value still holds exactly
 * what decoding the bytes Redis holds produced, so there is nothing to write, and skips the
 * encode-and-compare that otherwise finds in-place mutations. (Its encoding may still differ from
 * those bytes, e.g. a decoded hash map's own capacity can change its iteration order; the
 * encode-and-compare would then find the same value too, and write nothing either.)
 *
 * <p>Design notes. The encoding of a graph is a function of the state the walk compares: each
 * object's serialized fields ({@link NamedFieldSerializer}'s fields, transient ones excluded as
 * there), each list's and set's elements and each map's entries in iteration order, each array's
 * elements, and which objects are shared (a changed reference shows as a changed field). Only
 * shapes whose serializer is known take part (plain user classes and records, the JDK's array lists,
 * linked lists, hash sets and maps, arrays, immutable values); anything else, a graph over
 * {@link #MAX_OBSERVATIONS} observations, or any failure while walking (a collection changed under
 * the walk, an inaccessible field) gives no snapshot or "changed", so the save encodes and compares
 * bytes as before. It never decides "changed" for the write: a value that differs goes through
 * the encode, whose byte comparison has the last word. The walk is iterative (no recursion depth)
 * and uses the same code to record and to compare, so both see the same order.
 */
final class Snapshot {
    /** Observations a snapshot holds at most; a larger graph is encoded and compared instead. */
    static final int MAX_OBSERVATIONS = 4096;
    /** In {@link #how}: an object met before in the walk (compared by identity, not expanded again). */
    private static final Object REPEAT = new Object();

    /** How the walk looks into one class. */
    enum Kind { COLLECTION, MAP, OBJECT_ARRAY, PRIMITIVE_ARRAY, FIELDS, UNSUPPORTED }

    /**
     * A class's kind, and for {@link Kind#FIELDS} the fields its serializer writes, or for a record
     * the accessors Kryo's record serializer reads its components with.
     */
    record Shape(Kind kind, Field[] fields, java.lang.reflect.Method[] accessors) {
        static final Shape UNSUPPORTED = new Shape(Kind.UNSUPPORTED, null, null);

        Shape(Kind kind) {
            this(kind, null, null);
        }
    }

    /** Answers a class's shape (cached by the codec). */
    @FunctionalInterface
    interface Shapes {
        Shape of(Class<?> type);
    }

    /** The JDK collections whose serializer ({@link BoundedSerializers}) writes size and elements in iteration order. */
    private static final Set<Class<?>> COLLECTIONS = Set.of(ArrayList.class, LinkedList.class, HashSet.class, LinkedHashSet.class);
    private static final Set<Class<?>> MAPS = Set.of(HashMap.class, LinkedHashMap.class);

    private final Object root;
    private final byte[] basis;
    private final Object[] observed;
    /**
     * For each observation, how the comparing walk checks it: null = by value; {@link #REPEAT} =
     * by identity only (met before); a {@link Shape} = by identity, then expanded with that shape.
     * The observations before it being equal, an object is met for the first time at the same
     * point of both walks, so the comparing walk needs no identity map and no class lookups.
     */
    private final Object[] how;
    /** The deepest the walk's stack went while recording: a comparing walk needs no more (it stops at the first difference). */
    private final int depth;

    private Snapshot(Object root, byte[] basis, Object[] observed, Object[] how, int depth) {
        this.root = root;
        this.basis = basis;
        this.observed = observed;
        this.how = how;
        this.depth = depth;
    }

    /** A snapshot of {@code root}, whose encoding is {@code basis}; null when its graph cannot be snapshotted. */
    static Snapshot take(Object root, byte[] basis, Shapes shapes) {
        Walk w = new Walk(shapes, null, null, 16);
        return w.run(root) ? new Snapshot(root, basis, w.recorded.toArray(), w.hows.toArray(), w.deepest) : null;
    }

    /** Encoded size from which an immutable value is held between requests rather than decoded again. */
    static final int HELD_IMMUTABLE_MIN_BYTES = 64;

    /**
     * The snapshot of a value of an {@linkplain AttributeCodec#isImmutableType immutable type} (one
     * observation: the value itself), or null below {@link #HELD_IMMUTABLE_MIN_BYTES}. A save skips
     * immutable values anyway; with a snapshot a node holds the value after the request
     * ({@link DecodedValues}) and its next load takes it back instead of decoding it (a sign-in
     * token); small ones decode faster than holding them costs.
     */
    static Snapshot ofImmutable(Object value, byte[] basis) {
        return basis.length < HELD_IMMUTABLE_MIN_BYTES ? null : new Snapshot(value, basis, new Object[] {value}, new Object[] {null}, 1);
    }

    /**
     * True when {@code value} is the snapshotted object, {@code stored} the bytes it was taken
     * with, and nothing reachable from it changed since: it still holds what decoding
     * {@code stored} produced.
     */
    boolean unchanged(Object value, byte[] stored) {
        if (value != root || stored != basis) {
            return false;
        }
        Walk w = new Walk(null, observed, how, depth);
        return w.run(root) && w.at == observed.length;
    }

    /** The snapshotted object. */
    Object root() {
        return root;
    }

    /** True when this snapshot was taken from (or rebased on) exactly the array {@code bytes}. */
    boolean isBasedOn(byte[] bytes) {
        return basis == bytes;
    }

    /** This snapshot for the same object as loaded again: {@code bytes} equal to those it was taken from. */
    Snapshot basedOn(byte[] bytes) {
        if (bytes == basis) {
            return this;
        }
        return new Snapshot(root, bytes, observed, how, depth);
    }

    /** The shape of {@code type} as {@code kryo} serializes it. */
    static Shape shapeOf(Kryo kryo, Class<?> type) {
        try {
            Serializer<?> s = kryo.getRegistration(type).getSerializer();
            if (type.isArray()) {
                return new Shape(type.getComponentType().isPrimitive() ? Kind.PRIMITIVE_ARRAY : Kind.OBJECT_ARRAY);
            }
            if (COLLECTIONS.contains(type) && s instanceof BoundedCollectionSerializer) {
                return new Shape(Kind.COLLECTION);
            }
            if (MAPS.contains(type) && s instanceof BoundedMapSerializer) {
                return new Shape(Kind.MAP);
            }
            if (type.isRecord() && s instanceof RecordSerializer) {
                // Kryo reads a record's components through their accessors (which may be written by hand).
                java.lang.reflect.RecordComponent[] components = type.getRecordComponents();
                java.lang.reflect.Method[] accessors = new java.lang.reflect.Method[components.length];
                for (int i = 0; i < components.length; i++) {
                    accessors[i] = components[i].getAccessor();
                    if (!accessors[i].trySetAccessible()) {
                        return Shape.UNSUPPORTED;
                    }
                }
                return new Shape(Kind.FIELDS, null, accessors);
            }
            if (!(s instanceof NamedFieldSerializer<?> named)) {
                return Shape.UNSUPPORTED;
            }
            List<Field> fields = new ArrayList<>();
            for (FieldSerializer.CachedField f : named.getFields()) {
                Field field = f.getField();
                if (Modifier.isStatic(field.getModifiers()) || !field.trySetAccessible()) {
                    return Shape.UNSUPPORTED;
                }
                fields.add(field);
            }
            return new Shape(Kind.FIELDS, fields.toArray(new Field[0]), null);
        } catch (RuntimeException e) {
            // A class the allowlist refuses, or one Kryo cannot register: not snapshotted.
        }
        return Shape.UNSUPPORTED;
    }

    /** One depth-first walk, recording ({@code expected == null}) or comparing with a recording. */
    private static final class Walk {
        private final Shapes shapes;
        private final Object[] expected;
        private final Object[] expectedHow;
        final List<Object> recorded;
        final List<Object> hows;
        int at;
        private final IdentityHashMap<Object, Boolean> expanded;
        /** Objects still to visit (a stack: depth first); nulls included. */
        private Object[] todo;
        private int top;
        /** The most objects {@link #todo} held at once. */
        int deepest;

        Walk(Shapes shapes, Object[] expected, Object[] expectedHow, int depth) {
            this.todo = new Object[Math.max(1, depth)];
            this.shapes = shapes;
            this.expected = expected;
            this.expectedHow = expectedHow;
            this.recorded = expected == null ? new ArrayList<>() : null;
            this.hows = expected == null ? new ArrayList<>() : null;
            this.expanded = expected == null ? new IdentityHashMap<>() : null;
        }

        boolean run(Object root) {
            try {
                push(root);
                while (top > 0) {
                    Object o = todo[--top];
                    if (!visit(o)) {
                        return false;
                    }
                }
                return true;
            } catch (RuntimeException e) {
                return false; // changed under the walk (ConcurrentModificationException), or unreadable
            }
        }

        private void push(Object o) {
            if (top == todo.length) {
                todo = java.util.Arrays.copyOf(todo, 2 * top);
            }
            todo[top++] = o;
            deepest = Math.max(deepest, top);
        }

        private boolean visit(Object o) {
            if (o == null) {
                return same(null, true);
            }
            Shape shape;
            if (expected != null) {
                Object how = at < expectedHow.length ? expectedHow[at] : null;
                if (how == null) {
                    return same(o, false); // an immutable value where one was recorded, or not
                }
                if (!same(o, true)) {
                    return false;
                }
                if (how == REPEAT) {
                    return true;
                }
                shape = (Shape) how;
            } else {
                Class<?> type = o.getClass();
                if (AttributeCodec.isImmutableType(type)) {
                    return same(o, false); // encoded by value, never shared: equal is enough
                }
                if (!same(o, true)) {
                    return false;
                }
                if (expanded.put(o, Boolean.TRUE) != null) {
                    // Met before: a shared or cyclic reference, compared by identity alone.
                    hows.set(at - 1, REPEAT);
                    return true;
                }
                shape = shapes.of(type);
                hows.set(at - 1, shape);
            }
            switch (shape.kind()) {
                case COLLECTION -> {
                    Collection<?> c = (Collection<?>) o;
                    if (!room(c.size()) || !same(c.size(), false)) {
                        return false;
                    }
                    for (Object e : c) {
                        push(e);
                    }
                }
                case MAP -> {
                    Map<?, ?> m = (Map<?, ?>) o;
                    if (!room(2L * m.size()) || !same(m.size(), false)) {
                        return false;
                    }
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        push(e.getKey());
                        push(e.getValue());
                    }
                }
                case OBJECT_ARRAY -> {
                    Object[] a = (Object[]) o;
                    if (!room(a.length) || !same(a.length, false)) {
                        return false;
                    }
                    for (Object e : a) {
                        push(e);
                    }
                }
                case PRIMITIVE_ARRAY -> {
                    // Counted by its length; copied when recorded, compared in place.
                    return room(java.lang.reflect.Array.getLength(o)) && same(expected == null ? copyOf(o) : o, false);
                }
                case FIELDS -> {
                    int n = shape.fields() != null ? shape.fields().length : shape.accessors().length;
                    for (int i = 0; i < n; i++) {
                        Class<?> declared = shape.fields() != null ? shape.fields()[i].getType() : shape.accessors()[i].getReturnType();
                        Object v = shape.fields() != null ? getField(shape.fields()[i], o) : call(shape.accessors()[i], o);
                        if (declared.isPrimitive()) {
                            if (!same(v, false)) {
                                return false;
                            }
                        } else {
                            push(v);
                        }
                    }
                }
                default -> {
                    return false;
                }
            }
            return true;
        }

        /** Records or compares one observation: by identity, or by value (boxed primitives, sizes, immutable values, array copies). */
        private boolean same(Object v, boolean identity) {
            if (expected == null) {
                if (recorded.size() >= MAX_OBSERVATIONS) {
                    return false;
                }
                recorded.add(v);
                hows.add(null);
                at++;
                return true;
            }
            if (at >= expected.length) {
                return false;
            }
            Object e = expected[at++];
            if (identity || e == null || v == null) {
                return e == v;
            }
            return e.getClass() == v.getClass() && Objects.deepEquals(e, v);
        }

        /** True when {@code n} more observations fit the limit (checked before a collection's elements are queued). */
        private boolean room(long n) {
            return (expected == null ? recorded.size() : at) + n < MAX_OBSERVATIONS;
        }

        private static Object call(java.lang.reflect.Method accessor, Object o) {
            try {
                return accessor.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        private static Object getField(Field f, Object o) {
            try {
                return f.get(o);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        private static Object copyOf(Object array) {
            if (array instanceof byte[] a) {
                return a.clone();
            } else if (array instanceof int[] a) {
                return a.clone();
            } else if (array instanceof long[] a) {
                return a.clone();
            } else if (array instanceof char[] a) {
                return a.clone();
            } else if (array instanceof double[] a) {
                return a.clone();
            } else if (array instanceof float[] a) {
                return a.clone();
            } else if (array instanceof short[] a) {
                return a.clone();
            }
            return ((boolean[]) array).clone();
        }
    }
}
