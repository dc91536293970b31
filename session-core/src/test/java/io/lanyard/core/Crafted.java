package io.lanyard.core;

import com.esotericsoftware.kryo.io.Output;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hostile attribute bytes, as someone with write access to Redis would make them: built from what
 * the codec writes for harmless values, then edited (counts raised, nesting repeated, class names
 * swapped). Every helper checks its own template first, so a change of the format fails here,
 * loudly, instead of making a test pass for the wrong reason.
 */
final class Crafted {
    private Crafted() {
    }

    /** {@code depth} nested single-element ArrayLists around {@code leaf}. */
    static Object nest(int depth, Object leaf) {
        Object v = leaf;
        for (int i = 0; i < depth; i++) {
            v = new ArrayList<>(List.of(v));
        }
        return v;
    }

    /**
     * The bytes of {@code nest(depth, leaf)} for any depth, also far beyond what the codec would
     * write: the encoding is a header, one repeated unit per level, and the leaf, so the unit is
     * cut out of the encodings of depth 1 and 2 and repeated.
     */
    static byte[] nested(AttributeCodec codec, int depth, Object leaf) {
        byte[] one = codec.encode(nest(1, leaf));
        byte[] two = codec.encode(nest(2, leaf));
        int unit = two.length - one.length;
        for (int split = one.length; split >= 0; split--) {
            if (Arrays.equals(two, 0, split, one, 0, split)
                    && Arrays.equals(two, split + unit, two.length, one, split, one.length)) {
                byte[] repeated = Arrays.copyOfRange(two, split, split + unit);
                byte[] five = build(one, split, repeated, 4);
                if (Arrays.equals(codec.encode(nest(5, leaf)), five)) {
                    return build(one, split, repeated, depth - 1);
                }
            }
        }
        throw new AssertionError("the nesting of lists is not a repeated unit any more");
    }

    private static byte[] build(byte[] one, int split, byte[] unit, int copies) {
        byte[] out = new byte[one.length + unit.length * copies];
        System.arraycopy(one, 0, out, 0, split);
        for (int i = 0; i < copies; i++) {
            System.arraycopy(unit, 0, out, split + i * unit.length, unit.length);
        }
        System.arraycopy(one, split, out, split + unit.length * copies, one.length - split);
        return out;
    }

    /** Replaces the first occurrence of {@code from} (after the tag byte) with {@code to}, of any length. */
    static byte[] replace(byte[] in, byte[] from, byte[] to) {
        for (int i = 1; i + from.length <= in.length; i++) {
            if (Arrays.equals(in, i, i + from.length, from, 0, from.length)) {
                byte[] out = new byte[in.length - from.length + to.length];
                System.arraycopy(in, 0, out, 0, i);
                System.arraycopy(to, 0, out, i, to.length);
                System.arraycopy(in, i + from.length, out, i + to.length, in.length - i - from.length);
                return out;
            }
        }
        throw new AssertionError("pattern " + Arrays.toString(from) + " not found in " + Arrays.toString(in));
    }

    /** Replaces every occurrence of the byte {@code from} (after the tag byte) with {@code to}. */
    static byte[] replaceAll(byte[] in, byte from, byte[] to) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        out.write(in[0]);
        for (int i = 1; i < in.length; i++) {
            if (in[i] == from) {
                out.writeBytes(to);
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    /** Kryo's form of a class name: ASCII, the last char flagged with the high bit. */
    static byte[] className(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        b[b.length - 1] |= (byte) 0x80;
        return b;
    }

    /** A class name in Kryo bytes swapped for another (any length). */
    static byte[] renameClass(byte[] in, String from, String to) {
        return replace(in, className(from), className(to));
    }

    static byte[] varInt(int value) {
        Output out = new Output(8);
        out.writeVarInt(value, true);
        return out.toBytes();
    }

    static byte[] varIntFlag(boolean flag, int value) {
        Output out = new Output(8);
        out.writeVarIntFlag(flag, value, true);
        return out.toBytes();
    }

    /**
     * {@code Set.of(elements)} as Kryo writes it, without building the set (building one of
     * colliding strings is the quadratic work under test): class name, "not null" reference
     * marker, same-type flag and size, the String class id, the strings.
     */
    static byte[] setOf(List<String> elements) {
        Output out = new Output(1024, -1);
        out.writeByte(AttributeCodec.KRYO);
        out.writeVarInt(1, true); // a class by name (Kryo's NAME + 2)
        out.writeVarInt(0, true); // its name id in this value
        out.writeAscii("java.util.ImmutableCollections$SetN");
        out.writeByte(1); // reference marker: not null, first occurrence
        out.writeVarIntFlag(true, elements.size() + 1, true); // all elements of one type, count + 1
        out.writeVarInt(3, true); // String's registration id (1) + 2
        for (String s : elements) {
            out.writeString(s);
        }
        return out.toBytes();
    }

    /** 3^k distinct strings of 2k chars with one hash code ("Aa", "BB" and "C#" hash alike). */
    static List<String> collidingStrings(int k) {
        List<String> out = new ArrayList<>(List.of(""));
        for (int i = 0; i < k; i++) {
            List<String> next = new ArrayList<>(out.size() * 3);
            for (String s : out) {
                next.add(s + "Aa");
                next.add(s + "BB");
                next.add(s + "C#");
            }
            out = next;
        }
        assertEquals(1, out.stream().mapToInt(String::hashCode).distinct().count());
        return out;
    }
}
