package io.lanyard.core;

import com.esotericsoftware.kryo.KryoException;

/**
 * The work one decode may spend, so that bytes from Redis cannot buy more CPU than they are long:
 * {@value #UNITS_PER_BYTE} units per stored byte of the value, plus {@value #BASE_UNITS}. Each
 * attribute has its own budget, so a crafted attribute exhausts only itself; a load's work is
 * bounded by the session's size (and the session's size by the load limits of {@code load.lua}).
 *
 * <p>A unit is one element a collection, map or array declares (charged before anything is
 * allocated), one reference followed by the structure checks, one element an {@code equals} a
 * hash-based collection would need for colliding keys visits ({@link HashGuard}), or one element a
 * {@code hashCode} of a collection key visits. Real data costs two to three units per stored byte.
 *
 * <p>Work is charged before it is done where it can be counted first; a charge that does not fit
 * is refused whole. Used by one thread (one decode) at a time.
 */
final class DecodeBudget {
    static final int UNITS_PER_BYTE = 16;
    static final long BASE_UNITS = 256;

    private final long capacity;
    private long used;

    private DecodeBudget(long capacity) {
        this.capacity = capacity;
    }

    /** The budget of a value of {@code bytes} stored bytes. */
    static DecodeBudget forBytes(long bytes) {
        return new DecodeBudget(BASE_UNITS + UNITS_PER_BYTE * Math.max(0, bytes));
    }

    long capacity() {
        return capacity;
    }

    /** @throws KryoException when the units do not fit in what is left (nothing is charged then) */
    void charge(long units) {
        if (units > capacity - used) {
            throw new KryoException("decoding would exceed the work budget of this value (" + capacity
                    + " units for its size); refused");
        }
        used += Math.max(0, units);
    }
}
