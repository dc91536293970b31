package io.lanyard.bench;

/**
 * Run sizes. {@code quick} is a CI-sized smoke run whose numbers only show that everything works;
 * system properties override the run's size (see {@link #of}).
 */
public record Params(boolean quick, int rounds, int connections, int sessions, double warmupSeconds, double cellWarmupSeconds,
                     double cellSeconds, double rawSeconds, int monitorRequests, int scaleSessions, int scaleSmall,
                     int latencyOps, int latencyRounds, int expirySessions, double profileSeconds, int jmhWarmupIterations,
                     double jmhIterationSeconds, int jmhMeasurementIterations) {

    public static Params of(boolean quick) {
        // Issue 11's method: 5 rounds (median of the per-round ratios), cookies round-robin over 200 sessions.
        Params p = quick
                ? new Params(true, 2, 16, 100, 1, 0, 1, 0.5, 20, 20_000, 1_000, 300, 2, 2_000, 2, 1, 0.3, 2)
                : new Params(false, 5, 16, 200, 3, 0, 3, 2, 100, 1_000_000, 1_000, 3_000, 21, 50_000, 6, 2, 1, 5);
        // Overrides for a shorter (or longer) run on a busy machine: -Dbench.rounds=N, -Dbench.cellSeconds=S,
        // -Dbench.sessions=N, -Dbench.scaleSessions=N (the scale population).
        int rounds = Integer.getInteger("bench.rounds", p.rounds());
        int sessions = Integer.getInteger("bench.sessions", p.sessions());
        double cell = doubleProperty("bench.cellSeconds", p.cellSeconds());
        int scale = Integer.getInteger("bench.scaleSessions", p.scaleSessions());
        return new Params(p.quick(), rounds, p.connections(), sessions, p.warmupSeconds(), p.cellWarmupSeconds(), cell,
                p.rawSeconds(), p.monitorRequests(), scale, p.scaleSmall(), p.latencyOps(), p.latencyRounds(), p.expirySessions(), p.profileSeconds(),
                p.jmhWarmupIterations(), p.jmhIterationSeconds(), p.jmhMeasurementIterations());
    }

    private static double doubleProperty(String name, double fallback) {
        String v = System.getProperty(name, "").trim();
        return v.isEmpty() ? fallback : Double.parseDouble(v);
    }

    /**
     * Most seconds of unmeasured warm-up per workload on a fresh server JVM ({@code warmupSeconds} is
     * the least): it ends earlier once two one-second runs agree within 5% ({@code Wrk.warmUp}).
     */
    public int warmupMaxSeconds() {
        return quick ? 3 : Integer.getInteger("bench.warmupMaxSeconds", 8);
    }
}
