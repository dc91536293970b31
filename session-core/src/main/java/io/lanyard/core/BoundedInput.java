package io.lanyard.core;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * Kryo's {@link Input} for one attribute's bytes, with the limits of a decode: a length or count
 * read from the bytes is checked against the bytes that remain <em>before</em> anything is
 * allocated for it (Kryo itself allocates a declared length first: 7 bytes claiming 10^8 chars
 * would allocate 200 MB). Every element needs at least one byte, so a declared count can never
 * be larger than what is left.
 *
 * <p>Serializers reach the {@link DecodeBudget} of the current decode through {@link #countOf}.
 * One instance per pooled Kryo worker; {@link #finish} drops the bytes and any large scratch
 * buffer, so nothing of one decode stays for the next.
 */
final class BoundedInput extends Input {
    /** Deepest nesting of objects in one value (Kryo's maxDepth; also the limit of the structure checks). */
    static final int MAX_DEPTH = 64;
    /** Most elements one collection, map or array may declare. */
    static final int MAX_ELEMENTS = 1 << 20;
    /** A char scratch buffer larger than this is dropped after a decode. */
    private static final int KEEP_CHARS = 8192;
    private static final byte[] EMPTY = new byte[0];

    private DecodeBudget budget;

    void start(byte[] bytes, int offset, int count, DecodeBudget budget) {
        setBuffer(bytes, offset, count);
        this.budget = budget;
    }

    void finish() {
        setBuffer(EMPTY);
        budget = null;
        if (chars.length > KEEP_CHARS) {
            chars = new char[32];
        }
    }

    DecodeBudget budget() {
        return budget;
    }

    /**
     * Checks a declared element count of a collection, map or array against the bytes left and
     * {@link #MAX_ELEMENTS}, and charges it to the budget.
     */
    static int countOf(Input input, int count) {
        BoundedInput in = (BoundedInput) input;
        if (count < 0 || count > MAX_ELEMENTS) {
            throw new KryoException("corrupt data: " + count + " elements declared (at most " + MAX_ELEMENTS + ")");
        }
        in.checkLength(count);
        in.budget.charge(count);
        return count;
    }

    private void checkLength(int length) {
        if (length < 0 || length > limit - position) {
            throw new KryoException("corrupt data: a length of " + length + " declared with " + (limit - position)
                    + " bytes left");
        }
    }

    /** Kryo's UTF-8 string form declares its char count first; each char takes at least one byte. */
    private void checkStringLength() {
        if (position < limit && readVarIntFlag()) {
            int start = position;
            int declared = readVarIntFlag(true); // 0 = null, 1 = "", n = n - 1 chars
            int left = limit - position;
            position = start;
            if (declared - 1 > left) {
                throw new KryoException("corrupt data: a string of " + (declared - 1) + " chars declared with " + left
                        + " bytes left");
            }
        }
    }

    @Override
    public String readString() {
        checkStringLength();
        return super.readString();
    }

    @Override
    public StringBuilder readStringBuilder() {
        checkStringLength();
        return super.readStringBuilder();
    }

    @Override
    public byte[] readBytes(int length) {
        checkLength(length);
        return super.readBytes(length);
    }

    @Override
    public int[] readInts(int length) {
        checkLength(length);
        return super.readInts(length);
    }

    @Override
    public int[] readInts(int length, boolean optimizePositive) {
        checkLength(length);
        return super.readInts(length, optimizePositive);
    }

    @Override
    public long[] readLongs(int length) {
        checkLength(length);
        return super.readLongs(length);
    }

    @Override
    public long[] readLongs(int length, boolean optimizePositive) {
        checkLength(length);
        return super.readLongs(length, optimizePositive);
    }

    @Override
    public float[] readFloats(int length) {
        checkLength(length);
        return super.readFloats(length);
    }

    @Override
    public double[] readDoubles(int length) {
        checkLength(length);
        return super.readDoubles(length);
    }

    @Override
    public short[] readShorts(int length) {
        checkLength(length);
        return super.readShorts(length);
    }

    @Override
    public char[] readChars(int length) {
        checkLength(length);
        return super.readChars(length);
    }

    @Override
    public boolean[] readBooleans(int length) {
        checkLength(length);
        return super.readBooleans(length);
    }
}
