package io.lanyard.bench;

import io.lanyard.bench.Report.JmhRow;
import io.lanyard.bench.e2e.Configuration;
import io.lanyard.bench.e2e.E2e;
import io.lanyard.bench.e2e.Workload;

import java.util.ArrayList;
import java.util.List;

/** The Markdown text of RESULTS.md as it is written, with its tables and number formats. */
final class Markdown {
    private final StringBuilder md = new StringBuilder();

    void p(String line) {
        md.append(line).append('\n');
    }

    /** One table cell of a configuration and workload. */
    interface CellFormat {
        String apply(Configuration c, Workload w);
    }

    void table(E2e.Results r, CellFormat f) {
        p("| configuration | " + workloadHeader() + " |");
        p("| --- |" + " --- |".repeat(Workload.values().length));
        for (Configuration c : r.configs()) {
            StringBuilder row = new StringBuilder("| " + c.label() + " |");
            for (Workload w : Workload.values()) {
                row.append(' ').append(f.apply(c, w)).append(" |");
            }
            p(row.toString());
        }
        p("");
    }

    static String workloadHeader() {
        List<String> l = new ArrayList<>();
        for (Workload w : Workload.values()) {
            l.add(w.label());
        }
        return String.join(" | ", l);
    }

    static String fmt(JmhRow r) {
        return r == null ? "n/a" : num(r.score(), 0) + " ± " + num(r.error(), 0);
    }

    static String fmt1(double d) {
        return num(d, d == Math.rint(d) ? 0 : 1);
    }

    static String yes(boolean ok) {
        return ok ? "yes" : "**no**";
    }

    static String num(double d, int decimals) {
        return Stats.num(d, decimals);
    }

    @Override
    public String toString() {
        return md.toString();
    }
}
