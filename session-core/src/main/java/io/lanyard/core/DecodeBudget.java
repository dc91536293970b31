package io.lanyard.core;

import com.esotericsoftware.kryo.KryoException;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The work one load may spend decoding attributes, so that bytes from Redis cannot buy more CPU
 * than they are long. One budget per loaded session (shared by all of its attributes, also when the
 * expiry scavenger reads it) or per stand-alone decode.
 *
 * <p>A unit is one element a collection, map or array declares (charged before anything is
 * allocated), one reference followed by the structure checks, one {@code equals} a hash-based
 * collection would need for colliding keys, or one node a {@code hashCode} of a collection key
 * visits. Legitimate data costs two to three units per stored byte; the capacity is
 * {@value #UNITS_PER_BYTE} units per byte plus {@value #BASE_UNITS}.
 *
 * <p>Work is charged before it is done; a charge that does not fit is refused whole (and not
 * kept), so one oversized claim costs only the attribute that made it.
 */
final class DecodeBudget {
    static final int UNITS_PER_BYTE = 16;
    static final long BASE_UNITS = 65_536;

    private final long capacity;
    private final AtomicLong used = new AtomicLong();

    private DecodeBudget(long capacity) {
        this.capacity = capacity;
    }

    /** A budget for decoding {@code bytes} stored bytes (a whole session, or one value). */
    static DecodeBudget forBytes(long bytes) {
        return new DecodeBudget(BASE_UNITS + UNITS_PER_BYTE * Math.max(0, bytes));
    }

    long capacity() {
        return capacity;
    }

    /** @throws KryoException when the units do not fit in what is left (nothing is charged then) */
    void charge(long units) {
        if (units <= 0) {
            return;
        }
        // Atomic: requests sharing one loaded session decode its attributes on several threads. A
        // claim over the whole capacity is refused first, so the sum below cannot overflow.
        if (units > capacity) {
            throw exhausted();
        }
        if (used.addAndGet(units) > capacity) {
            used.addAndGet(-units);
            throw exhausted();
        }
    }

    private KryoException exhausted() {
        return new KryoException("decoding would exceed the work budget of this session (" + capacity
                + " units for its size); value refused");
    }
}
