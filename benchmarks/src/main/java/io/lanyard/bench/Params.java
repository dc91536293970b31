package io.lanyard.bench;

/**
 * Run sizes. The default run takes about 12 minutes on 2 cores; {@code quick} is a CI-sized smoke run
 * whose numbers only show that everything works.
 */
public record Params(boolean quick, int rounds, int connections, int sessions, double warmupSeconds, double cellWarmupSeconds,
                     double cellSeconds, double rawSeconds, int monitorRequests, int scaleSessions, int scaleSmall,
                     int latencyOps, int expirySessions, double profileSeconds, int jmhWarmupIterations,
                     double jmhIterationSeconds, int jmhMeasurementIterations) {

    public static Params of(boolean quick) {
        Params p = quick
                ? new Params(true, 2, 16, 100, 1, 0, 1, 0.5, 20, 20_000, 1_000, 300, 2_000, 2, 1, 0.3, 2)
                : new Params(false, 3, 16, 1000, 1, 0, 3, 2, 100, 1_000_000, 1_000, 3_000, 50_000, 6, 2, 1, 5);
        // -Dbench.scaleSessions=N overrides the scale population (e.g. to scale down on a small machine).
        int scale = Integer.getInteger("bench.scaleSessions", p.scaleSessions());
        return new Params(p.quick(), p.rounds(), p.connections(), p.sessions(), p.warmupSeconds(), p.cellWarmupSeconds(), p.cellSeconds(),
                p.rawSeconds(), p.monitorRequests(), scale, p.scaleSmall(), p.latencyOps(), p.expirySessions(), p.profileSeconds(),
                p.jmhWarmupIterations(), p.jmhIterationSeconds(), p.jmhMeasurementIterations());
    }
}
