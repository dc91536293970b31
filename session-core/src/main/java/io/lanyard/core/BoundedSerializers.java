package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.SerializerFactory;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;

/**
 * Replaces Kryo's readers of every collection, map and array type with bounded ones
 * ({@link BoundedCollectionSerializer}, {@link BoundedMapSerializer}, {@link CountChecked}). The
 * bytes written stay exactly Kryo's, so values stored before remain readable.
 *
 * <p>Order matters: Kryo picks the first default serializer whose type matches, in the order they
 * were added, ahead of its own built-in ones. The specific types come first, the catch-all
 * {@code Collection} and {@code Map} last; Kryo's own serializers for types that declare no size
 * ({@code EnumSet}, empty and singleton collections) are added again ahead of the catch-alls.
 */
final class BoundedSerializers {
    private BoundedSerializers() {
    }

    /** Call after {@link JdkWrapperSerializers#register}, whose specific types must stay ahead of the catch-alls. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    static void register(Kryo kryo) {
        kryo.addDefaultSerializer(byte[].class, new CountChecked<>(new DefaultArraySerializers.ByteArraySerializer()));
        kryo.addDefaultSerializer(char[].class, new CountChecked<>(new DefaultArraySerializers.CharArraySerializer()));
        kryo.addDefaultSerializer(short[].class, new CountChecked<>(new DefaultArraySerializers.ShortArraySerializer()));
        kryo.addDefaultSerializer(int[].class, new CountChecked<>(new DefaultArraySerializers.IntArraySerializer()));
        kryo.addDefaultSerializer(long[].class, new CountChecked<>(new DefaultArraySerializers.LongArraySerializer()));
        kryo.addDefaultSerializer(float[].class, new CountChecked<>(new DefaultArraySerializers.FloatArraySerializer()));
        kryo.addDefaultSerializer(double[].class, new CountChecked<>(new DefaultArraySerializers.DoubleArraySerializer()));
        kryo.addDefaultSerializer(boolean[].class, new CountChecked<>(new DefaultArraySerializers.BooleanArraySerializer()));
        kryo.addDefaultSerializer(String[].class, new CountChecked<>(new DefaultArraySerializers.StringArraySerializer()));
        kryo.addDefaultSerializer(Object[].class, new SerializerFactory.BaseSerializerFactory<Serializer<?>>() {
            @Override
            public Serializer<?> newSerializer(Kryo k, Class type) {
                return new ObjectArray(k, type);
            }
        });

        kryo.addDefaultSerializer(EnumSet.class, new DefaultSerializers.EnumSetSerializer());
        kryo.addDefaultSerializer(Collections.EMPTY_LIST.getClass(), new DefaultSerializers.CollectionsEmptyListSerializer());
        kryo.addDefaultSerializer(Collections.EMPTY_MAP.getClass(), new DefaultSerializers.CollectionsEmptyMapSerializer());
        kryo.addDefaultSerializer(Collections.EMPTY_SET.getClass(), new DefaultSerializers.CollectionsEmptySetSerializer());
        kryo.addDefaultSerializer(Collections.singletonList(null).getClass(), new DefaultSerializers.CollectionsSingletonListSerializer());
        kryo.addDefaultSerializer(Collections.singletonMap(null, null).getClass(), new DefaultSerializers.CollectionsSingletonMapSerializer());
        kryo.addDefaultSerializer(Collections.singleton(null).getClass(), new DefaultSerializers.CollectionsSingletonSetSerializer());

        kryo.addDefaultSerializer(TreeSet.class, new Sorted(TreeSet.class));
        kryo.addDefaultSerializer(PriorityQueue.class, new Sorted(PriorityQueue.class));
        kryo.addDefaultSerializer(TreeMap.class, new SortedMap());
        kryo.addDefaultSerializer(ConcurrentSkipListMap.class, new SortedMap());

        BoundedCollectionSerializer immutableList = new ImmutableList();
        BoundedCollectionSerializer immutableSet = new Rebuilt(false, true, items -> Set.of(items));
        for (Class<?> type : List.of(List.of().getClass(), List.of(1).getClass(), List.of(1, 2, 3, 4).getClass(),
                List.of(1, 2, 3, 4).subList(0, 2).getClass())) {
            kryo.addDefaultSerializer(type, immutableList);
        }
        for (Class<?> type : List.of(Set.of().getClass(), Set.of(1).getClass(), Set.of(1, 2, 3, 4).getClass())) {
            kryo.addDefaultSerializer(type, immutableSet);
        }
        BoundedMapSerializer immutableMap = new ImmutableMap();
        for (Class<?> type : List.of(Map.of().getClass(), Map.of(1, 2).getClass(), Map.of(1, 2, 3, 4).getClass())) {
            kryo.addDefaultSerializer(type, immutableMap);
        }
        kryo.addDefaultSerializer(Arrays.asList().getClass(), new Rebuilt(true, false, items -> Arrays.asList(items)));

        kryo.addDefaultSerializer(Collection.class, new BoundedCollectionSerializer<>());
        kryo.addDefaultSerializer(Map.class, new BoundedMapSerializer<>());
    }

    /**
     * Wraps one of Kryo's serializers of arrays whose elements hold no declarations themselves
     * (primitives, strings). They all start with the element count + 1 (0 = null) and allocate the
     * array from it: the count is checked and charged before they run.
     */
    static final class CountChecked<T> extends Serializer<T> {
        private final Serializer<T> delegate;

        CountChecked(Serializer<T> delegate) {
            super(delegate.getAcceptsNull(), delegate.isImmutable());
            this.delegate = delegate;
        }

        @Override
        public void write(Kryo kryo, Output output, T object) {
            delegate.write(kryo, output, object);
        }

        @Override
        public T read(Kryo kryo, Input input, Class<? extends T> type) {
            int start = input.position();
            int declared = input.readVarInt(true);
            input.setPosition(start);
            if (declared > 0) {
                BoundedInput.declareLeaves(input, declared - 1);
            }
            return delegate.read(kryo, input, type);
        }

        @Override
        public T copy(Kryo kryo, T original) {
            return delegate.copy(kryo, original);
        }
    }

    /**
     * Arrays of objects: Kryo's {@code ObjectArraySerializer} format and writer; reading mirrors its
     * {@code read} of Kryo 5.6, with the count declared (checked, charged, reserved) before the
     * array is allocated, and released element by element.
     */
    private static final class ObjectArray extends DefaultArraySerializers.ObjectArraySerializer {
        private final boolean sameType;

        ObjectArray(Kryo kryo, Class<?> type) {
            super(kryo, type);
            this.sameType = java.lang.reflect.Modifier.isFinal(type.getComponentType().getModifiers());
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public Object[] read(Kryo kryo, Input input, Class type) {
            int n = input.readVarInt(true);
            if (n == 0) {
                return null;
            }
            Class elementClass = type.getComponentType();
            Object[] array = (Object[]) java.lang.reflect.Array.newInstance(elementClass, BoundedInput.declare(input, n - 1, 1));
            kryo.reference(array);
            Serializer elementSerializer = sameType || kryo.isFinal(elementClass) ? kryo.getSerializer(elementClass) : null;
            for (int i = 0; i < array.length; i++) {
                BoundedInput.next(input, 1);
                array[i] = elementSerializer == null ? kryo.readClassAndObject(input)
                        : kryo.readObjectOrNull(input, elementClass, elementSerializer);
            }
            return array;
        }
    }

    /**
     * Collections rebuilt from their elements by a factory ({@code List.of}, {@code Set.of},
     * {@code Arrays.asList}): the finished value is what other references point to. {@code Set.of}
     * places elements by probing, so its elements pass {@link HashGuard#checkProbed} first.
     */
    private static class Rebuilt extends BoundedCollectionSerializer<Collection<Object>> {
        private final boolean probed;
        private final Function<Object[], Collection<Object>> factory;

        Rebuilt(boolean elementsCanBeNull, boolean probed, Function<Object[], Collection<Object>> factory) {
            super(elementsCanBeNull);
            this.probed = probed;
            this.factory = factory;
        }

        @Override
        protected Collection<Object> create(Kryo kryo, Input input, Class<? extends Collection<Object>> type, int size) {
            return null;
        }

        @Override
        Collection<Object> finish(Collection<Object> ignored, Object[] items, Input input) {
            if (probed) {
                HashGuard.checkProbed(items, items.length, ((BoundedInput) input).budget());
            }
            return factory.apply(items);
        }
    }

    /**
     * {@code List.of} and {@code Stream.toList} (JDK 16+), whose lists are of the same classes but
     * may hold nulls. Such a list is decoded as {@code Stream.toList} would build it, so it encodes
     * to the same bytes again. Kryo's writer, told (for the bytes {@code List.of} values always had)
     * that elements are never null, would fail on a null among elements of one class: such a list is
     * written in Kryo's form for elements of different classes (each with its class, null as null),
     * which the reader already reads.
     */
    private static final class ImmutableList extends Rebuilt {
        ImmutableList() {
            super(false, false, ImmutableList::rebuild);
        }

        private static Collection<Object> rebuild(Object[] items) {
            for (Object item : items) {
                if (item == null) {
                    return Arrays.stream(items).toList();
                }
            }
            return List.of(items);
        }

        @Override
        public void write(Kryo kryo, Output output, Collection<Object> list) {
            if (list == null || !holdsNullAndElement(list)) {
                super.write(kryo, output, list);
                return;
            }
            // As CollectionSerializer.write: the generic element class is pushed, then popped.
            Class<?> generic = kryo.getGenerics().nextGenericClass();
            try {
                if (generic != null && kryo.isFinal(generic)) {
                    throw new KryoException("a list of final element class " + generic.getName() + " holds a null");
                }
                output.writeVarIntFlag(false, list.size() + 1, true);
                for (Object element : list) {
                    kryo.writeClassAndObject(output, element);
                }
            } finally {
                kryo.getGenerics().popGenericType();
            }
        }

        private static boolean holdsNullAndElement(Collection<Object> list) {
            boolean hasNull = false;
            boolean hasElement = false;
            for (Object element : list) { // not contains(null): List.of's lists throw on it
                hasNull |= element == null;
                hasElement |= element != null;
            }
            return hasNull && hasElement;
        }
    }

    /** {@code Map.of}: entries checked like {@code Set.of} elements, then {@code Map.ofEntries}. */
    private static final class ImmutableMap extends BoundedMapSerializer<Map<Object, Object>> {
        ImmutableMap() {
            super(false);
        }

        @Override
        protected Map<Object, Object> create(Kryo kryo, Input input, Class<? extends Map<Object, Object>> type, int size) {
            return null;
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"}) // a generic array: Map.Entry<Object, Object>[]
        Map<Object, Object> finish(Map<Object, Object> ignored, Object[] keys, Object[] values, Input input) {
            HashGuard.checkProbed(keys, keys.length, ((BoundedInput) input).budget());
            Map.Entry<Object, Object>[] entries = new Map.Entry[keys.length];
            for (int i = 0; i < keys.length; i++) {
                entries[i] = Map.entry(keys[i], values[i]);
            }
            return Map.ofEntries(entries);
        }
    }

    /**
     * A comparator-ordered collection ({@code TreeSet}, {@code PriorityQueue}, and subclasses, built
     * by their {@code (Comparator)} or {@code (int, Comparator)} constructor as Kryo does): Kryo
     * writes the comparator first (its {@code writeHeader}).
     */
    private static final class Sorted extends BoundedCollectionSerializer<Collection<Object>> {
        private final boolean queue;

        Sorted(Class<?> base) {
            this.queue = base == PriorityQueue.class;
        }

        @Override
        protected void writeHeader(Kryo kryo, Output output, Collection<Object> c) {
            kryo.writeClassAndObject(output, queue ? ((PriorityQueue<?>) c).comparator() : ((TreeSet<?>) c).comparator());
        }

        @Override
        protected Collection<Object> create(Kryo kryo, Input input, Class<? extends Collection<Object>> type, int size) {
            Comparator<Object> comparator = comparator(kryo, input);
            if ((Class<?>) type == TreeSet.class) {
                return new TreeSet<>(comparator);
            } else if ((Class<?>) type == PriorityQueue.class) {
                return new PriorityQueue<>(Math.max(size, 1), comparator);
            }
            return queue ? construct(type, new Class<?>[]{int.class, Comparator.class}, Math.max(size, 1), comparator)
                    : construct(type, new Class<?>[]{Comparator.class}, comparator);
        }
    }

    /** A comparator-ordered map ({@code TreeMap}, {@code ConcurrentSkipListMap}): Kryo writes the comparator first. */
    private static final class SortedMap extends BoundedMapSerializer<Map<Object, Object>> {
        @Override
        protected void writeHeader(Kryo kryo, Output output, Map<Object, Object> map) {
            kryo.writeClassAndObject(output, ((java.util.SortedMap<?, ?>) map).comparator());
        }

        @Override
        protected Map<Object, Object> create(Kryo kryo, Input input, Class<? extends Map<Object, Object>> type, int size) {
            Comparator<Object> comparator = comparator(kryo, input);
            if ((Class<?>) type == TreeMap.class) {
                return new TreeMap<>(comparator);
            } else if ((Class<?>) type == ConcurrentSkipListMap.class) {
                return new ConcurrentSkipListMap<>(comparator);
            }
            return construct(type, new Class<?>[]{Comparator.class}, comparator);
        }
    }

    @SuppressWarnings("unchecked")
    private static Comparator<Object> comparator(Kryo kryo, Input input) {
        Object comparator = kryo.readClassAndObject(input);
        if (comparator != null && !(comparator instanceof Comparator)) {
            throw new KryoException("corrupt data: not a comparator: " + comparator.getClass().getName());
        }
        return (Comparator<Object>) comparator;
    }

    /** A subclass, by the constructor Kryo's own serializer uses for it. */
    @SuppressWarnings("unchecked")
    private static <T> T construct(Class<?> type, Class<?>[] parameters, Object... arguments) {
        try {
            return (T) type.getConstructor(parameters).newInstance(arguments);
        } catch (ReflectiveOperationException e) {
            throw new KryoException("cannot create a " + type.getName(), e);
        }
    }
}
