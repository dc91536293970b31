package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import com.esotericsoftware.kryo.util.Generics.GenericType;

import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads Kryo's {@link MapSerializer} format (the writer is Kryo's, unchanged) within the limits of
 * a decode, as {@link BoundedCollectionSerializer} does for collections: the declared size is
 * checked, charged and reserved first, entries are read into arrays, and hash-based maps' keys pass
 * {@link HashGuard} before the first {@code put}. The reading steps mirror
 * {@code MapSerializer.read} of Kryo 5.6.
 */
class BoundedMapSerializer<T extends Map<Object, Object>> extends MapSerializer<T> {
    private final boolean entriesCanBeNull;

    BoundedMapSerializer() {
        this(true);
    }

    BoundedMapSerializer(boolean entriesCanBeNull) {
        this.entriesCanBeNull = entriesCanBeNull;
        setKeysCanBeNull(entriesCanBeNull);
        setValuesCanBeNull(entriesCanBeNull);
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
        int length = input.readVarInt(true);
        if (length == 0) {
            return null;
        }
        length = BoundedInput.declare(input, length - 1, 2); // a key and a value, a byte each at least
        T map = create(kryo, input, type, length);
        kryo.reference(map);
        Object[] keys = new Object[length];
        Object[] values = new Object[length];
        if (length == 0) {
            return finish(map, keys, values, input);
        }
        Class keyClass = null;
        Class valueClass = null;
        Serializer keySerializer = null;
        Serializer valueSerializer = null;
        GenericType[] genericTypes = kryo.getGenerics().nextGenericTypes();
        if (genericTypes != null) {
            Class genericClass = genericTypes[0].resolve(kryo.getGenerics());
            if (genericClass != null && kryo.isFinal(genericClass)) {
                keySerializer = kryo.getSerializer(genericClass);
                keyClass = genericClass;
            }
            genericClass = genericTypes[1].resolve(kryo.getGenerics());
            if (genericClass != null && kryo.isFinal(genericClass)) {
                valueSerializer = kryo.getSerializer(genericClass);
                valueClass = genericClass;
            }
        }
        for (int i = 0; i < length; i++) {
            if (genericTypes != null) {
                kryo.getGenerics().pushGenericType(genericTypes[0]);
            }
            BoundedInput.next(input, 1);
            keys[i] = read(kryo, input, keyClass, keySerializer);
            if (genericTypes != null) {
                kryo.getGenerics().popGenericType();
            }
            BoundedInput.next(input, 1);
            values[i] = read(kryo, input, valueClass, valueSerializer);
        }
        kryo.getGenerics().popGenericType();
        return finish(map, keys, values, input);
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private Object read(Kryo kryo, Input input, Class type, Serializer serializer) {
        if (serializer == null) {
            return kryo.readClassAndObject(input);
        }
        return entriesCanBeNull ? kryo.readObjectOrNull(input, type, serializer) : kryo.readObject(input, type, serializer);
    }

    /** Puts the entries in; hash-based maps check their keys first. */
    T finish(T map, Object[] keys, Object[] values, Input input) {
        if (map instanceof HashMap || map instanceof ConcurrentHashMap || map instanceof Hashtable) {
            HashGuard.checkHashed(keys, keys.length, ((BoundedInput) input).budget());
        }
        for (int i = 0; i < keys.length; i++) {
            map.put(keys[i], values[i]);
        }
        return map;
    }
}
