package io.lanyard.core;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * Kryo's {@link Input} for one attribute's bytes, with the limits of a decode. Kryo allocates a
 * declared length before reading (7 bytes claiming 10^8 chars allocated 200 MB); here every length
 * or count read from the bytes is checked first against the bytes that are <em>free</em>: left in
 * the input and not yet promised to the elements of an enclosing collection that are still to be
 * read. Every element takes at least one byte, so a collection that declares n elements reserves n
 * bytes until it reads them: nested collections cannot each claim the same remaining bytes, and
 * what is allocated for declarations stays proportional to the value's size.
 *
 * <p>Serializers reach the {@link DecodeBudget} of the current decode through these static
 * helpers. One instance per pooled Kryo worker; {@link #finish} drops the bytes and any large
 * scratch buffer, so nothing of one decode stays for the next.
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
    /** Bytes promised to declared elements not yet read. */
    private long reserved;

    void start(byte[] bytes, int offset, int count, DecodeBudget budget) {
        setBuffer(bytes, offset, count);
        this.budget = budget;
        reserved = 0;
    }

    void finish() {
        setBuffer(EMPTY);
        budget = null;
        reserved = 0;
        if (chars.length > KEEP_CHARS) {
            chars = new char[32];
        }
    }

    DecodeBudget budget() {
        return budget;
    }

    /**
     * Declares {@code count} elements of at least {@code bytesEach} bytes (1, or 2 for a map's
     * key and value): checked against the free bytes and {@link #MAX_ELEMENTS}, charged to the
     * budget, and reserved until {@link #next} releases them one by one.
     */
    static int declare(Input input, int count, int bytesEach) {
        BoundedInput in = checkCount(input, count);
        in.checkLength((long) count * bytesEach);
        in.budget.charge(count);
        in.reserved += (long) count * bytesEach;
        return count;
    }

    /** One element of a declaration is about to be read: its bytes are no longer reserved. */
    static void next(Input input, int bytes) {
        ((BoundedInput) input).reserved -= bytes;
    }

    /**
     * Declares elements that contain no declarations themselves (a primitive or String array,
     * read by Kryo's own serializer): checked and charged, not reserved.
     */
    static int declareLeaves(Input input, int count) {
        BoundedInput in = checkCount(input, count);
        in.checkLength(count);
        in.budget.charge(count);
        return count;
    }

    /**
     * Declares elements that take no bytes: Kryo writes a collection of only nulls as its size.
     * Each is charged as if it took a byte ({@link DecodeBudget#UNITS_PER_BYTE} units), which
     * keeps what they allocate proportional to the value's size too.
     */
    static int declareNulls(Input input, int count) {
        BoundedInput in = checkCount(input, count);
        in.budget.charge((long) count * DecodeBudget.UNITS_PER_BYTE);
        return count;
    }

    private static BoundedInput checkCount(Input input, int count) {
        if (count < 0 || count > MAX_ELEMENTS) {
            throw new KryoException("corrupt data: " + count + " elements declared (at most " + MAX_ELEMENTS + ")");
        }
        return (BoundedInput) input;
    }

    private void checkLength(long length) {
        long free = limit - position - reserved;
        if (length < 0 || length > free) {
            throw new KryoException("corrupt data: a length of " + length + " declared with " + free + " bytes free");
        }
    }

    /** Kryo's UTF-8 string form declares its char count first; each char takes at least one byte. */
    private void checkStringLength() {
        if (position < limit && readVarIntFlag()) {
            int start = position;
            int declared = readVarIntFlag(true); // 0 = null, 1 = "", n = n - 1 chars
            position = start;
            if (declared > 1) {
                checkLength(declared - 1L);
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
