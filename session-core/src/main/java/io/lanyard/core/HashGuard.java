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
 * </ul>
 * Legitimate keys cost about one unit each.
 */
final class HashGuard {
    private HashGuard() {
    }

    /** For the keys of a {@code HashMap}/{@code HashSet}-like collection. */
    static void checkHashed(Object[] keys, int count, DecodeBudget budget) {
        int[] hashes = hashes(keys, count, budget);
        if (count <= 8) {
            return; // at most 28 comparisons: not worth sorting
        }
        Arrays.sort(hashes);
        long collisions = 0;
        int run = 1;
        for (int i = 1; i <= count; i++) {
            if (i < count && hashes[i] == hashes[i - 1]) {
                run++;
            } else {
                collisions += (long) run * (run - 1) / 2;
                run = 1;
            }
        }
        budget.charge(collisions);
    }

    /** For the elements of {@code Set.of} or the keys of {@code Map.of}, in the order they will be inserted. */
    static void checkProbed(Object[] keys, int count, DecodeBudget budget) {
        int[] hashes = hashes(keys, count, budget);
        int slots = 2 * count; // ImmutableCollections.EXPAND_FACTOR (JDK 9 to 25)
        boolean[] taken = new boolean[slots];
        long steps = 0;
        for (int i = 0; i < count; i++) {
            int slot = Math.floorMod(hashes[i], slots);
            while (taken[slot]) {
                if (++steps % 1024 == 0) {
                    budget.charge(1024);
                }
                slot = slot + 1 == slots ? 0 : slot + 1;
            }
            taken[slot] = true;
        }
        budget.charge(steps % 1024);
    }

    private static int[] hashes(Object[] keys, int count, DecodeBudget budget) {
        StructureCheck structure = new StructureCheck(budget);
        int[] hashes = new int[count];
        for (int i = 0; i < count; i++) {
            Object key = keys[i];
            if (StructureCheck.isStructural(key)) {
                budget.charge(structure.unfoldedSize(key));
            }
            hashes[i] = key == null ? 0 : key.hashCode();
        }
        return hashes;
    }
}
