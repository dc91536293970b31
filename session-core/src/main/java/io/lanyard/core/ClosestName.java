package io.lanyard.core;

import java.util.List;
import java.util.Locale;

/**
 * "Did you mean": the known name closest to a misspelt one. Closeness is the edit distance,
 * ignoring case, to the whole name or to any run of its camel-case words, so that a user who
 * writes a part of a name ({@code url}, {@code timeout}, {@code password}) is pointed to the
 * setting that has it ({@code redisUri}, {@code connectTimeoutMillis}, {@code trustStorePassword}).
 */
final class ClosestName {
    private ClosestName() {
    }

    /** The name among {@code names} closest to {@code wanted}; on a tie, the first. */
    static String among(String wanted, Iterable<String> names) {
        String lower = wanted.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String name : names) {
            List<String> words = List.of(name.split("(?=[A-Z])"));
            for (int from = 0; from < words.size(); from++) {
                for (int to = from + 1; to <= words.size(); to++) {
                    int d = editDistance(lower, String.join("", words.subList(from, to)).toLowerCase(Locale.ROOT));
                    if (d < bestDistance) {
                        bestDistance = d;
                        best = name;
                    }
                }
            }
        }
        return best;
    }

    /** Levenshtein distance: insertions, deletions and substitutions, two rows at a time. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
