package io.lanyard.bench;

import io.lanyard.bench.Report.CodecSize;
import io.lanyard.bench.Report.JmhRow;
import io.lanyard.bench.e2e.Configuration;
import io.lanyard.bench.e2e.E2e;
import io.lanyard.bench.e2e.RawRedis;
import io.lanyard.bench.e2e.Workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** What a run measured, looked up for the report: per-configuration statistics, same-round ratios, command counts, JMH rows; and the raw CSV. */
final class Measured {
    private final Report.Input in;
    /** Throughput per measured configuration and workload. */
    private final Map<Configuration, Map<Workload, Stats>> tput = new EnumMap<>(Configuration.class);

    Measured(Report.Input in) {
        this.in = in;
        if (in.e2e() != null) {
            for (Configuration c : in.e2e().configs()) {
                Map<Workload, Stats> m = new EnumMap<>(Workload.class);
                for (Workload w : Workload.values()) {
                    m.put(w, stats(c, w, cell -> cell.wrk().throughput()));
                }
                tput.put(c, m);
            }
        }
    }

    Map<Configuration, Map<Workload, Stats>> tput() {
        return tput;
    }

    Stats stats(Configuration c, Workload w, ToDoubleFunction<E2e.Cell> f) {
        List<Double> v = new ArrayList<>();
        for (E2e.Cell cell : in.e2e().cells()) {
            if (cell.cfg() == c && cell.workload() == w) {
                v.add(f.applyAsDouble(cell));
            }
        }
        return Stats.of(v);
    }

    /** Per-round ratio throughput(a)/throughput(b), summarised. */
    Stats ratio(Configuration a, Configuration b, Workload w) {
        return ratio(a, b, w, cell -> cell.wrk().throughput());
    }

    /** Per-round ratio metric(a)/metric(b), summarised. */
    Stats ratio(Configuration a, Configuration b, Workload w, ToDoubleFunction<E2e.Cell> metric) {
        if (in.e2e() == null) {
            return Stats.of(List.of());
        }
        Map<Integer, Double> ta = perRound(a, w, metric);
        Map<Integer, Double> tb = perRound(b, w, metric);
        List<Double> v = new ArrayList<>();
        ta.forEach((round, x) -> {
            Double y = tb.get(round);
            if (y != null && y > 0) {
                v.add(x / y);
            }
        });
        return Stats.of(v);
    }

    Stats ratioToRaw(Configuration a, Workload w, ToDoubleFunction<RawRedis.Result> f) {
        Map<Integer, Double> ta = perRound(a, w);
        List<Double> v = new ArrayList<>();
        for (RawRedis.Result x : in.e2e().raw()) {
            Double t = ta.get(x.round());
            if (t != null) {
                v.add(t / f.applyAsDouble(x));
            }
        }
        return Stats.of(v);
    }

    private Map<Integer, Double> perRound(Configuration c, Workload w) {
        return perRound(c, w, cell -> cell.wrk().throughput());
    }

    private Map<Integer, Double> perRound(Configuration c, Workload w, ToDoubleFunction<E2e.Cell> metric) {
        Map<Integer, Double> m = new LinkedHashMap<>();
        for (E2e.Cell cell : in.e2e().cells()) {
            if (cell.cfg() == c && cell.workload() == w) {
                m.put(cell.round(), metric.applyAsDouble(cell));
            }
        }
        return m;
    }

    /** Redis commands per request of one configuration and workload, and how they break down. */
    record Count(double value, String breakdown) {
    }

    Count count(Configuration c, Workload w) {
        if (in.e2e() == null) {
            return null;
        }
        for (E2e.Count k : in.e2e().counts()) {
            if (k.cfg() == c && k.workload() == w) {
                return new Count(k.commandsPerRequest(), k.breakdown());
            }
        }
        return null;
    }

    JmhRow jmh(String benchmarkSuffix, String param) {
        for (JmhRow r : in.jmh()) {
            if (r.benchmark().endsWith(benchmarkSuffix) && r.param().equals(param)) {
                return r;
            }
        }
        return null;
    }

    double jmhSum(String codec) {
        JmhRow e = jmh("CodecBenchmark.encode", codec);
        JmhRow d = jmh("CodecBenchmark.decode", codec);
        return e == null || d == null ? Double.NaN : e.score() + d.score();
    }

    CodecSize size(String codec) {
        for (CodecSize s : in.sizes()) {
            if (s.codec().equals(codec)) {
                return s;
            }
        }
        return null;
    }

    void writeCsv(Path csv) throws IOException {
        StringBuilder sb = new StringBuilder("configuration,round,workload,requests,seconds,throughput,p50_us,p99_us,errors,bytes_to_redis_per_req,"
                + "bytes_from_redis_per_req,server_cpu_us_per_req,redis_cpu_us_per_req,redis_writes_per_req\n");
        for (E2e.Cell c : in.e2e().cells()) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%s,%d,%.3f,%.1f,%.0f,%.0f,%d,%.1f,%.1f,%.1f,%.1f,%.4f%n", c.cfg(), c.round(), c.workload(),
                    c.wrk().requests(), c.wrk().seconds(), c.wrk().throughput(), c.wrk().p50Micros(), c.wrk().p99Micros(), c.wrk().errors(),
                    c.bytesToRedisPerRequest(), c.bytesFromRedisPerRequest(), c.serverCpuMicrosPerRequest(), c.redisCpuMicrosPerRequest(),
                    c.redisWritesPerRequest()));
        }
        for (RawRedis.Result x : in.e2e().raw()) {
            sb.append(String.format(Locale.ROOT, "RAW_PING,%d,-,,,%.1f,,,,,,,,%n", x.round(), x.pingPerSecond()));
            sb.append(String.format(Locale.ROOT, "RAW_EVALSHA_RO_LOAD,%d,-,,,%.1f,,,,,,,,%n", x.round(), x.evalPerSecond()));
        }
        Files.writeString(csv, sb.toString());
    }
}
