package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Serializers for JDK types Kryo would otherwise reach into with reflection (which needs
 * {@code --add-opens java.base/java.util} on JDK 17+): the {@code Collections.unmodifiable*} and
 * {@code Collections.synchronized*} wrappers, and dynamic proxies. Wrappers are written as their
 * contents and re-wrapped on read; only public API is used.
 */
final class JdkWrapperSerializers {
    private JdkWrapperSerializers() {
    }

    static void register(Kryo kryo) {
        List<Object> list = new ArrayList<>(List.of(1));
        List<Object> linked = new LinkedList<>(List.of(1));
        TreeSet<Object> treeSet = new TreeSet<>(List.of(1));
        TreeMap<Object, Object> treeMap = new TreeMap<>(Map.of(1, 1));
        Map<Object, Object> map = new LinkedHashMap<>(Map.of(1, 1));
        Set<Object> set = new LinkedHashSet<>(List.of(1));

        collection(kryo, Collections.unmodifiableCollection(list), ArrayList::new, Collections::unmodifiableCollection);
        collection(kryo, Collections.unmodifiableList(list), ArrayList::new, c -> Collections.unmodifiableList((List<Object>) c));
        collection(kryo, Collections.unmodifiableList(linked), LinkedList::new, c -> Collections.unmodifiableList((List<Object>) c));
        collection(kryo, Collections.unmodifiableSet(set), LinkedHashSet::new, c -> Collections.unmodifiableSet((Set<Object>) c));
        sortedSet(kryo, Collections.unmodifiableSortedSet(treeSet), Collections::unmodifiableSortedSet);
        sortedSet(kryo, Collections.unmodifiableNavigableSet(treeSet), Collections::unmodifiableNavigableSet);
        map(kryo, Collections.unmodifiableMap(map), Collections::unmodifiableMap);
        sortedMap(kryo, Collections.unmodifiableSortedMap(treeMap), Collections::unmodifiableSortedMap);
        sortedMap(kryo, Collections.unmodifiableNavigableMap(treeMap), Collections::unmodifiableNavigableMap);

        collection(kryo, Collections.synchronizedCollection(list), ArrayList::new, Collections::synchronizedCollection);
        collection(kryo, Collections.synchronizedList(list), ArrayList::new, c -> Collections.synchronizedList((List<Object>) c));
        collection(kryo, Collections.synchronizedList(linked), LinkedList::new, c -> Collections.synchronizedList((List<Object>) c));
        collection(kryo, Collections.synchronizedSet(set), LinkedHashSet::new, c -> Collections.synchronizedSet((Set<Object>) c));
        sortedSet(kryo, Collections.synchronizedSortedSet(treeSet), Collections::synchronizedSortedSet);
        sortedSet(kryo, Collections.synchronizedNavigableSet(treeSet), Collections::synchronizedNavigableSet);
        map(kryo, Collections.synchronizedMap(map), Collections::synchronizedMap);
        sortedMap(kryo, Collections.synchronizedSortedMap(treeMap), Collections::synchronizedSortedMap);
        sortedMap(kryo, Collections.synchronizedNavigableMap(treeMap), Collections::synchronizedNavigableMap);
    }

    private static void collection(Kryo kryo, Collection<?> sample, Supplier<Collection<Object>> content,
                                   Function<Collection<Object>, Collection<?>> wrap) {
        kryo.addDefaultSerializer(sample.getClass(), new Serializer<Collection<?>>() {
            @Override
            public void write(Kryo k, Output out, Collection<?> c) {
                writeElements(k, out, c);
            }

            @Override
            public Collection<?> read(Kryo k, Input in, Class<? extends Collection<?>> type) {
                return wrap.apply(readElements(k, in, content.get()));
            }
        });
    }

    private static void sortedSet(Kryo kryo, SortedSet<?> sample, Function<TreeSet<Object>, SortedSet<?>> wrap) {
        kryo.addDefaultSerializer(sample.getClass(), new Serializer<SortedSet<?>>() {
            @Override
            public void write(Kryo k, Output out, SortedSet<?> s) {
                k.writeClassAndObject(out, s.comparator());
                writeElements(k, out, s);
            }

            @Override
            @SuppressWarnings("unchecked")
            public SortedSet<?> read(Kryo k, Input in, Class<? extends SortedSet<?>> type) {
                TreeSet<Object> content = new TreeSet<>((Comparator<Object>) k.readClassAndObject(in));
                return wrap.apply(readElements(k, in, content));
            }
        });
    }

    private static void map(Kryo kryo, Map<?, ?> sample, Function<Map<Object, Object>, Map<?, ?>> wrap) {
        kryo.addDefaultSerializer(sample.getClass(), new Serializer<Map<?, ?>>() {
            @Override
            public void write(Kryo k, Output out, Map<?, ?> m) {
                writeEntries(k, out, m);
            }

            @Override
            public Map<?, ?> read(Kryo k, Input in, Class<? extends Map<?, ?>> type) {
                return wrap.apply(readEntries(k, in, new LinkedHashMap<>()));
            }
        });
    }

    private static void sortedMap(Kryo kryo, SortedMap<?, ?> sample, Function<TreeMap<Object, Object>, Map<?, ?>> wrap) {
        kryo.addDefaultSerializer(sample.getClass(), new Serializer<SortedMap<?, ?>>() {
            @Override
            public void write(Kryo k, Output out, SortedMap<?, ?> m) {
                k.writeClassAndObject(out, m.comparator());
                writeEntries(k, out, m);
            }

            @Override
            @SuppressWarnings("unchecked")
            public SortedMap<?, ?> read(Kryo k, Input in, Class<? extends SortedMap<?, ?>> type) {
                TreeMap<Object, Object> content = new TreeMap<>((Comparator<Object>) k.readClassAndObject(in));
                return (SortedMap<?, ?>) wrap.apply(readEntries(k, in, content));
            }
        });
    }

    private static void writeElements(Kryo k, Output out, Collection<?> c) {
        // Copy first: a synchronized wrapper must be iterated under its lock, and toArray takes it.
        Object[] items = c.toArray();
        out.writeVarInt(items.length, true);
        for (Object o : items) {
            k.writeClassAndObject(out, o);
        }
    }

    /** Reads into an array first (count checked), so a hash-based set's keys pass {@link HashGuard} before insertion. */
    private static <C extends Collection<Object>> C readElements(Kryo k, Input in, C into) {
        Object[] items = new Object[BoundedInput.declare(in, in.readVarInt(true), 1)];
        for (int i = 0; i < items.length; i++) {
            BoundedInput.next(in, 1);
            items[i] = k.readClassAndObject(in);
        }
        if (into instanceof HashSet) {
            HashGuard.checkHashed(items, items.length, ((BoundedInput) in).budget());
        }
        into.addAll(Arrays.asList(items));
        return into;
    }

    private static void writeEntries(Kryo k, Output out, Map<?, ?> m) {
        Object[] entries;
        synchronized (m) { // synchronized wrappers lock on themselves; harmless for the others
            entries = m.entrySet().toArray();
        }
        out.writeVarInt(entries.length, true);
        for (Object o : entries) {
            Map.Entry<?, ?> e = (Map.Entry<?, ?>) o;
            k.writeClassAndObject(out, e.getKey());
            k.writeClassAndObject(out, e.getValue());
        }
    }

    /** As {@link #readElements}: a hash-based map's keys pass {@link HashGuard} before the first put. */
    private static <M extends Map<Object, Object>> M readEntries(Kryo k, Input in, M into) {
        int n = BoundedInput.declare(in, in.readVarInt(true), 2);
        Object[] keys = new Object[n];
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            BoundedInput.next(in, 1);
            keys[i] = k.readClassAndObject(in);
            BoundedInput.next(in, 1);
            values[i] = k.readClassAndObject(in);
        }
        if (into instanceof HashMap) {
            HashGuard.checkHashed(keys, n, ((BoundedInput) in).budget());
        }
        for (int i = 0; i < n; i++) {
            into.put(keys[i], values[i]);
        }
        return into;
    }

    /**
     * A JDK dynamic proxy as its interfaces plus its invocation handler. Both go through the class
     * allowlist like any other class name; the proxy is rebuilt in the webapp's class loader.
     *
     * <p>Each distinct ordered list of interfaces defines a proxy class, which stays as long as the
     * webapp's class loader: bytes naming allowed interfaces in ever new orders and combinations
     * would fill the metaspace. So a codec decodes proxies of at most {@value #MAX_PROXY_CLASSES}
     * interface lists ({@code classes}, shared by its Kryo instances); another list is refused.
     */
    static final class ProxySerializer extends Serializer<Object> {
        static final int MAX_PROXY_CLASSES = 64;
        private final ClassLoader classLoader;
        private final Set<List<Class<?>>> classes;

        ProxySerializer(ClassLoader classLoader, Set<List<Class<?>>> classes) {
            this.classLoader = classLoader;
            this.classes = classes;
        }

        @Override
        public void write(Kryo kryo, Output out, Object proxy) {
            Class<?>[] interfaces = proxy.getClass().getInterfaces();
            out.writeVarInt(interfaces.length, true);
            for (Class<?> i : interfaces) {
                kryo.writeClass(out, i);
            }
            kryo.writeClassAndObject(out, Proxy.getInvocationHandler(proxy));
        }

        @Override
        public Object read(Kryo kryo, Input in, Class<?> type) {
            int n = BoundedInput.declare(in, in.readVarInt(true), 1);
            if (n < 1 || n > 65535) {
                throw new IllegalArgumentException("bad proxy interface count " + n);
            }
            Class<?>[] interfaces = new Class<?>[n];
            for (int i = 0; i < n; i++) {
                BoundedInput.next(in, 1);
                Class<?> iface = kryo.readClass(in).getType();
                if (!iface.isInterface()) {
                    throw new IllegalArgumentException(iface.getName() + " is not an interface");
                }
                interfaces[i] = iface;
            }
            Object handler = kryo.readClassAndObject(in);
            if (!(handler instanceof InvocationHandler h)) {
                throw new IllegalArgumentException("proxy handler is not an InvocationHandler");
            }
            admit(List.of(interfaces));
            return Proxy.newProxyInstance(classLoader, interfaces, h);
        }

        private void admit(List<Class<?>> list) {
            if (classes.contains(list)) {
                return;
            }
            synchronized (classes) {
                if (!classes.contains(list) && classes.size() >= MAX_PROXY_CLASSES) {
                    throw new IllegalArgumentException("a proxy of " + list.size() + " interfaces in an order not seen before:"
                            + " this webapp already decoded proxies of " + MAX_PROXY_CLASSES + " interface lists, each a class"
                            + " that stays loaded; refused");
                }
                classes.add(list);
            }
        }
    }
}
