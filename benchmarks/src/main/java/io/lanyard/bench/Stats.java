package io.lanyard.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** min / median / max over repeats, and percentiles of samples. */
public record Stats(double min, double median, double max, int n) {
    public static Stats of(List<Double> values) {
        List<Double> v = new ArrayList<>();
        for (Double d : values) {
            if (d != null && !d.isNaN()) {
                v.add(d);
            }
        }
        if (v.isEmpty()) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        Collections.sort(v);
        int n = v.size();
        double med = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
        return new Stats(v.get(0), med, v.get(n - 1), n);
    }

    public boolean isEmpty() {
        return n == 0;
    }

    /** "1234 (1200–1300)" with the given number of decimals. */
    public String format(int decimals) {
        if (n == 0) {
            return "n/a";
        }
        if (n == 1) {
            return num(median, decimals);
        }
        return num(median, decimals) + " (" + num(min, decimals) + "–" + num(max, decimals) + ")";
    }

    public static String num(double d, int decimals) {
        if (Double.isNaN(d)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", d);
    }

    /** The p-th percentile (0..100) of raw samples (nearest rank). */
    public static double percentile(long[] samples, double p) {
        if (samples.length == 0) {
            return Double.NaN;
        }
        long[] s = samples.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * s.length);
        return s[Math.max(0, Math.min(s.length - 1, rank - 1))];
    }
}
