package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.FieldSerializer;
import com.esotericsoftware.kryo.util.ObjectMap;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Kryo serializer for user classes that survives a rolling deploy: fields are matched by name, and
 * each field value is length-prefixed, so a field the reading class no longer has is skipped by its
 * length, without reading it and without loading any class it names; a field the writing class did
 * not have keeps its default.
 *
 * <p>Design notes. This is Kryo's {@code CompatibleFieldSerializer} idea (field names written once
 * per object graph and class, then values in that order) with one change: instead of chunked
 * encoding, which wraps every field of every object in its own chunked stream (one buffer per
 * object, and a chunk header to read through per field: the largest item of Lanyard's read path in
 * the JFR profile), the value is written in place and its length is patched in front of it
 * afterwards. Values under 128 bytes (nearly all fields of session objects) get a one-byte length
 * and cost no copy; a longer one is moved right by the extra length bytes once. Reading checks that
 * each known field consumed exactly its length, so a field whose type changed incompatibly is
 * reported as undecodable data instead of silently misreading the fields after it.
 *
 * <p>Works only on an in-memory {@link Output} and an array-backed {@link Input}, which is all
 * {@link AttributeCodec} uses. As with Kryo's own compatible serializer, skipping has one limit:
 * Kryo writes a class's name (and this serializer a class's field names, an object's reference
 * id) only at the first use in an attribute, so if that first use is inside a skipped field, later
 * fields that use the same class or object cannot be read; the attribute is then reported as
 * undecodable (see ClassEvolutionTest and the README's limits).
 */
final class NamedFieldSerializer<T> extends FieldSerializer<T> {
    /** More field names than this in one record is corrupt data, not a class. */
    private static final int MAX_FIELDS = 4096;
    private static final byte[] PADDING = new byte[4];

    /**
     * Fields by name, for matching the names written by another version of the class. A name can
     * stand more than once (a subclass field hiding a superclass one): the n-th occurrence in the
     * data is the n-th field of that name, in the order both versions list them.
     */
    private final Map<String, List<CachedField>> byName = new HashMap<>();

    NamedFieldSerializer(Kryo kryo, Class<?> type, FieldSerializerConfig config) {
        super(kryo, type, config);
        for (CachedField f : getFields()) {
            byName.computeIfAbsent(f.getName(), n -> new ArrayList<>(1)).add(f);
        }
    }

    @Override
    @SuppressWarnings("unchecked") // Kryo's graph context is a raw ObjectMap
    public void write(Kryo kryo, Output output, T object) {
        if (output.getOutputStream() != null) {
            throw new KryoException("NamedFieldSerializer needs an in-memory Output");
        }
        int pop = pushTypeVariables();
        CachedField[] fields = getFields();
        ObjectMap<Object, Object> context = kryo.getGraphContext();
        if (!context.containsKey(this)) {
            context.put(this, null);
            output.writeVarInt(fields.length, true);
            for (CachedField f : fields) {
                output.writeString(f.getName());
            }
        }
        for (CachedField f : fields) {
            int lengthAt = output.position();
            output.writeByte(0); // the length's first byte, patched below
            try {
                f.write(output, object);
            } catch (KryoException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KryoException("Error writing " + f + " at position " + output.position(), e);
            }
            patchLength(output, lengthAt);
        }
        popTypeVariables(pop);
    }

    private static void patchLength(Output output, int lengthAt) {
        int end = output.position();
        int length = end - lengthAt - 1;
        if (length < 0x80) {
            output.getBuffer()[lengthAt] = (byte) length;
            return;
        }
        int extra = varIntSize(length) - 1;
        output.writeBytes(PADDING, 0, extra); // room for the longer length; the buffer may grow here
        byte[] buffer = output.getBuffer();
        System.arraycopy(buffer, lengthAt + 1, buffer, lengthAt + 1 + extra, length);
        output.setPosition(lengthAt);
        output.writeVarInt(length, true);
        output.setPosition(end + extra);
    }

    private static int varIntSize(int value) {
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    @Override
    @SuppressWarnings("unchecked") // Kryo's graph context is a raw ObjectMap
    public T read(Kryo kryo, Input input, Class<? extends T> type) {
        int pop = pushTypeVariables();
        T object = create(kryo, input, type);
        kryo.reference(object);
        CachedField[] fields = (CachedField[]) kryo.getGraphContext().get(this);
        if (fields == null) {
            fields = readFields(kryo, input);
        }
        for (CachedField f : fields) {
            int length = input.readVarInt(true);
            int end = input.position() + length;
            if (length < 0 || end > input.limit() || end < 0) {
                throw new KryoException("corrupt data: field length " + length + " of " + getType().getName());
            }
            if (f == null) {
                input.setPosition(end); // a field this version of the class does not have
                continue;
            }
            try {
                f.read(input, object);
            } catch (KryoException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new KryoException("Error reading " + f + " at position " + input.position(), e);
            }
            if (input.position() != end) {
                throw new KryoException("field " + f.getName() + " of " + getType().getName()
                        + " does not match its stored length (its type changed incompatibly?)");
            }
        }
        popTypeVariables(pop);
        return object;
    }

    @SuppressWarnings("unchecked") // Kryo's graph context is a raw ObjectMap
    private CachedField[] readFields(Kryo kryo, Input input) {
        int count = BoundedInput.declare(input, input.readVarInt(true), 1); // each name takes at least one byte
        if (count > MAX_FIELDS) {
            throw new KryoException("corrupt data: " + count + " fields for " + getType().getName());
        }
        CachedField[] fields = new CachedField[count];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < count; i++) {
            BoundedInput.next(input, 1);
            String name = input.readString();
            List<CachedField> named = name == null ? null : byName.get(name);
            if (named != null) {
                int occurrence = seen.merge(name, 1, Integer::sum) - 1;
                fields[i] = occurrence < named.size() ? named.get(occurrence) : null;
            }
        }
        kryo.getGraphContext().put(this, fields);
        return fields;
    }
}
