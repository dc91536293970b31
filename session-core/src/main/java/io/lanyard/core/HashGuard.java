package io.lanyard.core;

import java.util.Arrays;

/**
 * Checks the keys of a hash-based collection before they are inserted, so that crafted keys cannot
 * make decoding quadratic (hash flooding: 60,000 keys with one hash code, in 858 KB, took 93 s of
 * CPU to insert into a {@code HashMap}).
 *
 * <ul>
 * <li>Every key's {@code hashCode} is made safe to call first ({@link StructureCheck}), and its
 *     cost — the elements it visits — is charged to the {@link DecodeBudget}.</li>
 * <li>{@code HashMap}, {@code HashSet} (and their linked and concurrent forms) compare keys with
 *     equal hash codes one by one when the keys are not {@code Comparable}: g keys sharing a hash
 *     code cost g(g-1)/2 {@code equals} calls. That count is charged before inserting.</li>
 * <li>{@code Set.of}/{@code Map.of} place keys by linear probing over 2n slots at
 *     {@code floorMod(hashCode, 2n)}: keys crafted to land on one slot need n^2/2 comparisons even
 *     with distinct hash codes. The probe sequence is simulated on the hash codes, its steps
 *     charged as they are counted (so the simulation itself stops at the budget).</li>
 * <li>An {@code equals} between two collection keys visits their elements, at most as many as the
 *     smaller key unfolds to: each colliding pair is charged that (a key written compactly with
 *     back-references can unfold to thousands of elements, and keys with the same content but not
 *     the same object are compared to the end).</li>
 * </ul>
 * Legitimate keys cost about one unit each.
 */
final class HashGuard {
    private HashGuard() {
    }

    /** For the keys of a {@code HashMap}/{@code HashSet}-like collection. */
    static void checkHashed(Object[] keys, int count, DecodeBudget budget) {
        Costed costed = costed(keys, count, budget);
        if (count <= 8) {
            return; // at most 28 comparisons of keys already charged once each: not worth sorting
        }
        // Each key as its hash code (high half) and the cost of one equals with it (low half):
        // sorted, the keys that share a hash code are together, cheapest first. Within such a run
        // of g keys, the k-th cheapest is the smaller of a pair with each of the g - 1 - k after it.
        long[] byHash = new long[count];
        for (int i = 0; i < count; i++) {
            byHash[i] = ((long) costed.hashes[i] << 32) | costed.equalsCosts[i];
        }
        Arrays.sort(byHash);
        int start = 0;
        for (int i = 1; i <= count; i++) {
            if (i == count || (int) (byHash[i] >>> 32) != (int) (byHash[start] >>> 32)) {
                for (int k = start; k < i - 1; k++) {
                    charge(budget, i - 1 - k, byHash[k] & 0xffffffffL);
                }
                start = i;
            }
        }
    }

    /** For the elements of {@code Set.of} or the keys of {@code Map.of}, in the order they will be inserted. */
    static void checkProbed(Object[] keys, int count, DecodeBudget budget) {
        Costed costed = costed(keys, count, budget);
        int slots = 2 * count; // ImmutableCollections.EXPAND_FACTOR (JDK 9 to 25)
        boolean[] taken = new boolean[slots];
        for (int i = 0; i < count; i++) {
            // Each step compares the key being placed with the one in the slot: at most its own cost.
            long steps = 0;
            int slot = Math.floorMod(costed.hashes[i], slots);
            while (taken[slot]) {
                if (++steps % 1024 == 0) {
                    charge(budget, 1024, costed.equalsCosts[i]);
                }
                slot = slot + 1 == slots ? 0 : slot + 1;
            }
            taken[slot] = true;
            charge(budget, steps % 1024, costed.equalsCosts[i]);
        }
    }

    /** Charges {@code comparisons} equals calls of {@code each} units, refusing a product that overflows. */
    private static void charge(DecodeBudget budget, long comparisons, long each) {
        if (comparisons == 0) {
            return;
        }
        budget.charge(comparisons > Long.MAX_VALUE / each ? Long.MAX_VALUE : comparisons * each);
    }

    /** The keys' hash codes, and what one {@code equals} with each costs (1 for a key that is not a collection). */
    private record Costed(int[] hashes, int[] equalsCosts) {
    }

    private static Costed costed(Object[] keys, int count, DecodeBudget budget) {
        StructureCheck structure = new StructureCheck(budget);
        int[] hashes = new int[count];
        int[] equalsCosts = new int[count];
        for (int i = 0; i < count; i++) {
            Object key = keys[i];
            long size = 1;
            if (StructureCheck.isStructural(key)) {
                size = structure.unfoldedSize(key);
                budget.charge(size);
            }
            equalsCosts[i] = (int) Math.min(Integer.MAX_VALUE, Math.max(1, size));
            hashes[i] = key == null ? 0 : key.hashCode();
        }
        return new Costed(hashes, equalsCosts);
    }
}
