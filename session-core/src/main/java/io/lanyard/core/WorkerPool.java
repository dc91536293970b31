package io.lanyard.core;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * The codec's Kryo workers, lock-free: a fixed array of slots, each holding one idle worker or
 * none. A thread takes and gives back at slots picked by its own id, so request threads seldom
 * meet on a slot, never wait and never park each other.
 *
 * <p>Design notes. Kryo's own {@code Pool} is a lock-guarded queue of soft references: every
 * obtain and free of every attribute takes one lock shared by all request threads and allocates a
 * {@code SoftReference}. Under load that lock is contended (threads park and wake each other: kernel
 * time that a Java profile does not even show), four times per request with a cart read. Here a
 * slot is taken by compare-and-set, an empty pool makes a new worker and a full one drops the
 * worker given back (the GC takes it), so at most {@link #slots} idle workers are kept: a few
 * hundred KiB per webapp, gone with the store.
 */
final class WorkerPool<T> {
    /** Slots looked at from a thread's own slot before creating (or dropping) a worker. */
    private static final int PROBES = 4;

    private final AtomicReferenceArray<T> slots;
    private final int mask;
    private final Supplier<T> create;

    /** @param size at least this many slots (rounded up to a power of two, at most 256) */
    WorkerPool(int size, Supplier<T> create) {
        int n = Integer.highestOneBit(Math.max(PROBES, Math.min(256, size)) * 2 - 1);
        this.slots = new AtomicReferenceArray<>(n);
        this.mask = n - 1;
        this.create = create;
    }

    /** Slots for the machine: four per processor, at least 16. */
    static int defaultSize() {
        return Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
    }

    /** An idle worker, or a new one; the caller has it alone until {@link #free}. */
    T obtain() {
        int home = home();
        for (int i = 0; i < PROBES; i++) {
            int at = (home + i) & mask;
            T w = slots.get(at);
            if (w != null && slots.compareAndSet(at, w, null)) {
                return w;
            }
        }
        return create.get();
    }

    /** Gives {@code w} back; dropped when the slots near the thread's own are all taken. */
    void free(T w) {
        int home = home();
        for (int i = 0; i < PROBES; i++) {
            int at = (home + i) & mask;
            if (slots.get(at) == null && slots.compareAndSet(at, null, w)) {
                return;
            }
        }
    }

    /** Idle workers kept now (tests). */
    int idle() {
        int n = 0;
        for (int i = 0; i < slots.length(); i++) {
            if (slots.get(i) != null) {
                n++;
            }
        }
        return n;
    }

    int slots() {
        return slots.length();
    }

    private int home() {
        // Fibonacci hashing spreads consecutive thread ids (a container's worker threads) over the slots.
        return (int) ((Thread.currentThread().getId() * 0x9E3779B97F4A7C15L) >>> 40) & mask;
    }
}
