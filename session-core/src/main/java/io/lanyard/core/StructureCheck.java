package io.lanyard.core;

import com.esotericsoftware.kryo.KryoException;

import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps the JDK's own recursion over decoded values bounded. {@code hashCode}, {@code equals} and
 * {@code toString} of collections, maps, optionals and records recurse into their contents; Kryo's
 * references let bytes build shapes that make them recurse without end or for exponential time,
 * although the bytes nest only a few levels: a list that contains itself, a chain of lists each
 * holding a reference to the previous one, or lists that each hold the previous one twice (2^64
 * elements to hash from 64 levels). Such shapes are refused when they are about to be hashed (keys
 * of hash-based collections, see {@link HashGuard}) and, after a decode, anywhere in the value.
 *
 * <p>The walk is iterative (no stack of its own to overflow), visits each object once (charged to
 * the {@link DecodeBudget}), and refuses: a cycle made only of such structural objects (no
 * application class in between — their own {@code hashCode} is the application's business), a
 * nesting deeper than Kryo's ({@link BoundedInput#MAX_DEPTH} levels with the elements), and an unfolded size (each shared element
 * counted once per reference, as a {@code hashCode} visits it) over the budget's capacity.
 */
final class StructureCheck {
    private final DecodeBudget budget;
    /**
     * Per walked object: {unfolded size, height}, height = collection levels below it (0 when it
     * holds no collection); IN_PROGRESS while it is on the walk's stack.
     */
    private final IdentityHashMap<Object, long[]> memo = new IdentityHashMap<>();
    private static final long[] IN_PROGRESS = new long[0];
    /** Collections nested in one another at most: with their elements, Kryo's depth limit. */
    private static final int MAX_LEVELS = BoundedInput.MAX_DEPTH - 1;

    StructureCheck(DecodeBudget budget) {
        this.budget = budget;
    }

    /** Checks every structural object among {@code objects} (all objects Kryo read for one value). */
    void checkAll(List<Object> objects) {
        for (Object o : objects) {
            if (isStructural(o)) {
                unfoldedSize(o);
            }
        }
    }

    /**
     * The number of elements a {@code hashCode} of {@code root} visits (1 for anything that is not
     * a collection, map, optional or record).
     *
     * @throws KryoException when the shape is refused (see the class comment)
     */
    long unfoldedSize(Object root) {
        if (!isStructural(root)) {
            return 1;
        }
        long[] known = known(root, 0);
        if (known != null) {
            return known[0];
        }
        ArrayDeque<Frame> stack = new ArrayDeque<>();
        stack.push(enter(root));
        while (!stack.isEmpty()) {
            Frame f = stack.peek();
            if (!f.children.hasNext()) {
                stack.pop();
                if (f.size > budget.capacity()) {
                    throw new KryoException("corrupt data: shared references make a collection of more than "
                            + budget.capacity() + " elements");
                }
                memo.put(f.node, new long[]{f.size, f.height});
                Frame parent = stack.peek();
                if (parent != null) {
                    parent.add(f.size, f.height + 1);
                }
                continue;
            }
            Object child = f.children.next();
            budget.charge(1);
            if (!isStructural(child)) {
                f.add(1, 0);
                continue;
            }
            long[] k = known(child, stack.size());
            if (k != null) {
                f.add(k[0], k[1] + 1);
            } else if (stack.size() >= MAX_LEVELS) {
                throw tooDeep();
            } else {
                stack.push(enter(child));
            }
        }
        return memo.get(root)[0];
    }

    private long[] known(Object node, int depth) {
        long[] k = memo.get(node);
        if (k == IN_PROGRESS) {
            throw new KryoException("corrupt data: a collection contains itself");
        }
        if (k != null && depth + k[1] >= MAX_LEVELS) {
            throw tooDeep();
        }
        return k;
    }

    private Frame enter(Object node) {
        memo.put(node, IN_PROGRESS);
        return new Frame(node, children(node));
    }

    private static KryoException tooDeep() {
        return new KryoException("value nests more than " + MAX_LEVELS + " collections deep");
    }

    static boolean isStructural(Object o) {
        return o instanceof Collection || o instanceof Map || o instanceof Optional
                || (o != null && o.getClass().isRecord());
    }

    private static Iterator<?> children(Object node) {
        if (node instanceof Collection<?> c) {
            return c.iterator();
        }
        if (node instanceof Map<?, ?> m) {
            return new EntryParts(m.entrySet().iterator());
        }
        if (node instanceof Optional<?> o) {
            return o.stream().iterator();
        }
        Method[] accessors = ACCESSORS.get(node.getClass());
        Object[] values = new Object[accessors.length];
        for (int i = 0; i < accessors.length; i++) {
            try {
                values[i] = accessors[i].invoke(node);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new KryoException("cannot read a component of " + node.getClass().getName(), e);
            }
        }
        return Arrays.asList(values).iterator();
    }

    /** Record component accessors; empty (the record counts as a leaf) when they cannot be made accessible. */
    private static final ClassValue<Method[]> ACCESSORS = new ClassValue<>() {
        @Override
        protected Method[] computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Method[] accessors = new Method[components.length];
            try {
                for (int i = 0; i < components.length; i++) {
                    accessors[i] = components[i].getAccessor();
                    accessors[i].setAccessible(true);
                }
            } catch (RuntimeException e) {
                return new Method[0];
            }
            return accessors;
        }
    };

    /** A map's keys and values, one after the other. */
    private static final class EntryParts implements Iterator<Object> {
        private final Iterator<? extends Map.Entry<?, ?>> entries;
        private Map.Entry<?, ?> pending;

        EntryParts(Iterator<? extends Map.Entry<?, ?>> entries) {
            this.entries = entries;
        }

        @Override
        public boolean hasNext() {
            return pending != null || entries.hasNext();
        }

        @Override
        public Object next() {
            if (pending != null) {
                Object value = pending.getValue();
                pending = null;
                return value;
            }
            pending = entries.next();
            return pending.getKey();
        }
    }

    private static final class Frame {
        final Object node;
        final Iterator<?> children;
        long size = 1;
        long height;

        Frame(Object node, Iterator<?> children) {
            this.node = node;
            this.children = children;
        }

        /** Adds a child's unfolded size; {@code levels} is how many collection levels it adds below this one. */
        void add(long childSize, long levels) {
            size = size + childSize < 0 ? Long.MAX_VALUE : size + childSize; // saturating: sizes can be 2^64
            height = Math.max(height, levels);
        }
    }
}
