package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;

/**
 * Reads Kryo's {@link CollectionSerializer} format (the writer is Kryo's, unchanged) within the
 * limits of a decode: the declared size is checked against the free bytes, charged and reserved
 * ({@link BoundedInput#declare}) before anything is allocated, and elements are read into an array
 * first, so that a hash-based collection's keys pass {@link HashGuard} before the first insertion.
 *
 * <p>The reading steps mirror {@code CollectionSerializer.read} of Kryo 5.6 line by line
 * (including its generic-type bookkeeping); subclasses choose the collection ({@link #create}:
 * {@code null} defers the reference to the finished value) and how elements go in ({@link #finish}).
 */
class BoundedCollectionSerializer<T extends Collection<Object>> extends CollectionSerializer<T> {
    private final boolean elementsCanBeNull;

    BoundedCollectionSerializer() {
        this(true);
    }

    BoundedCollectionSerializer(boolean elementsCanBeNull) {
        this.elementsCanBeNull = elementsCanBeNull;
        setElementsCanBeNull(elementsCanBeNull);
    }

    @Override
    @SuppressWarnings({"rawtypes", "unchecked"})
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
        Class elementClass = null;
        Serializer elementSerializer = null;
        Class genericClass = kryo.getGenerics().nextGenericClass();
        if (genericClass != null && kryo.isFinal(genericClass)) {
            elementSerializer = kryo.getSerializer(genericClass);
            elementClass = genericClass;
        }
        try {
            boolean canBeNull = elementsCanBeNull;
            boolean sameType = false;
            int length;
            if (elementSerializer != null) {
                if (canBeNull) {
                    canBeNull = input.readVarIntFlag();
                    length = input.readVarIntFlag(true);
                } else {
                    length = input.readVarInt(true);
                }
            } else {
                sameType = input.readVarIntFlag();
                length = input.readVarIntFlag(true);
            }
            if (length == 0) {
                return null;
            }
            length--;
            // With one element class for all, the class comes first, and no class means that all
            // elements are null and take no bytes: such a count is checked once the class is read.
            boolean declared = elementSerializer != null || !sameType;
            if (declared) {
                BoundedInput.declare(input, length, 1);
            }
            T collection = create(kryo, input, type, declared ? length : 0);
            kryo.reference(collection);
            if (length == 0) {
                return finish(collection, new Object[0], input);
            }
            if (!declared) {
                Registration registration = kryo.readClass(input);
                if (registration == null) {
                    Object[] nulls = new Object[BoundedInput.declareNulls(input, length)];
                    kryo.getGenerics().popGenericType();
                    return finish(collection, nulls, input);
                }
                BoundedInput.declare(input, length, 1);
                elementClass = registration.getType();
                elementSerializer = kryo.getSerializer(elementClass);
                if (canBeNull) {
                    canBeNull = input.readBoolean();
                }
            }
            Object[] items = new Object[length];
            for (int i = 0; i < length; i++) {
                BoundedInput.next(input, 1);
                if (elementSerializer == null) {
                    items[i] = kryo.readClassAndObject(input);
                } else if (canBeNull) {
                    items[i] = kryo.readObjectOrNull(input, elementClass, elementSerializer);
                } else {
                    items[i] = kryo.readObject(input, elementClass, elementSerializer);
                }
            }
            return finish(collection, items, input);
        } finally {
            kryo.getGenerics().popGenericType();
        }
    }

    /** Puts the elements in; hash-based sets check their keys first. */
    T finish(T collection, Object[] items, Input input) {
        if (collection instanceof HashSet) {
            HashGuard.checkHashed(items, items.length, ((BoundedInput) input).budget());
        }
        collection.addAll(Arrays.asList(items));
        return collection;
    }
}
