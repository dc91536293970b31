package io.lanyard.bench;

import io.lanyard.bench.e2e.Configuration;
import io.lanyard.bench.e2e.E2e;
import io.lanyard.bench.e2e.Wrk;
import io.lanyard.bench.shop.ShopSession;
import io.lanyard.core.BenchCodecs;
import io.lanyard.testsupport.RedisServer;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs every benchmark and writes {@code benchmarks/RESULTS.md}, {@code benchmarks/throughput.png}
 * and {@code benchmarks/results-raw.csv}.
 *
 * <p>Run from the repository root: {@code ./mvnw -B -pl benchmarks -am verify -Pbench -DskipTests}
 * (add {@code -Dquick} for a CI-sized smoke run). Options: {@code --quick=true|false},
 * {@code --parts=jmh,e2e,profile,scale}, {@code --configs=TOMCAT_MEMORY,...}, {@code --out=<dir>},
 * {@code --work=<dir>}.
 */
public final class RunAll {
    private static Path logFile;

    private RunAll() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Map<String, String> opts = new LinkedHashMap<>();
        for (String a : args) {
            String[] kv = a.replaceFirst("^--", "").split("=", 2);
            opts.put(kv[0], kv.length > 1 ? kv[1] : "true");
        }
        boolean quick = Boolean.parseBoolean(opts.getOrDefault("quick", "false")) || "".equals(opts.get("quick"));
        Params params = Params.of(quick);
        Path out = Files.createDirectories(Path.of(opts.getOrDefault("out", "benchmarks")).toAbsolutePath());
        Path work = Files.createDirectories(Path.of(opts.getOrDefault("work", out.resolve("target/bench").toString())).toAbsolutePath());
        logFile = work.resolve("run.log");
        Set<String> parts = Set.of(opts.getOrDefault("parts", "jmh,e2e,profile,scale").split(","));
        List<Configuration> configs = !opts.getOrDefault("configs", "").isBlank()
                ? Arrays.stream(opts.get("configs").split(",")).map(String::trim).map(Configuration::valueOf).collect(Collectors.toList())
                : List.of(Configuration.values());
        long start = System.nanoTime();
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("date (UTC)", Instant.now().toString());
        machine.put("load average before the run (1/5/15 min)", loadAverage());
        List<String> problems = new ArrayList<>();
        log("parameters: " + params);

        List<Report.JmhRow> jmh = new ArrayList<>();
        List<Report.CodecSize> sizes = codecSizes();
        if (parts.contains("jmh")) {
            jmh = jmh(params);
        }
        E2e.Results e2e = null;
        if (parts.contains("e2e")) {
            if (!Wrk.available()) {
                throw new IllegalStateException("wrk is not installed (apt-get install -y wrk)");
            }
            try (RedisServer redis = RedisServer.start()) {
                machine.put("Redis", redisVersion(redis));
                e2e = new E2e(params, redis, work, RunAll::log).run(configs);
            }
        }
        Profile.Results profile = null;
        if (parts.contains("profile")) {
            if (E2eClassCheck.lanyardTomcatPresent()) {
                try {
                    // The Tomcat adapter by default; Jetty's when the selected configurations have only it.
                    Configuration profiled = configs.contains(Configuration.JETTY_LANYARD) && !configs.contains(Configuration.TOMCAT_LANYARD)
                            ? Configuration.JETTY_LANYARD : Configuration.TOMCAT_LANYARD;
                    profile = Profile.run(params, profiled, work, RunAll::log);
                } catch (Exception e) {
                    problems.add("JFR profile failed: " + e);
                    log("profile failed: " + e);
                }
            } else {
                problems.add("no JFR profile: the Lanyard Tomcat adapter is not on the class path");
            }
        }
        Scale.Results scale = null;
        if (parts.contains("scale")) {
            scale = new Scale(params, RunAll::log).run(e2e == null ? Map.of() : e2e.captures());
        }
        machine.put("load average after the run (1/5/15 min)", loadAverage());
        machine.putAll(machineFacts());
        double minutes = (System.nanoTime() - start) / 60e9;
        // run.sh and the documented Maven command produce the same run; BENCH_COMMAND records a variant actually used.
        StringBuilder overrides = new StringBuilder();
        for (String name : List.of("bench.rounds", "bench.cellSeconds", "bench.sessions", "bench.scaleSessions")) {
            String v = System.getProperty(name, "");
            if (!v.isBlank()) {
                overrides.append(" -D").append(name).append('=').append(v);
            }
        }
        if (!opts.getOrDefault("configs", "").isBlank()) {
            overrides.append(" -Dbench.configs=").append(opts.get("configs"));
        }
        if (!parts.equals(Set.of("jmh", "e2e", "profile", "scale"))) {
            overrides.append(" -Dbench.parts=").append(opts.get("parts"));
        }
        String command = System.getenv().getOrDefault("BENCH_COMMAND", "./mvnw -B -pl benchmarks -am verify -Pbench -DskipTests"
                + (quick ? " -Dquick" : "") + overrides + (overrides.length() == 0 ? "   (or: benchmarks/run.sh" + (quick ? " --quick" : "") + ")" : ""));
        Report.Input input = new Report.Input(params, command, machine, jmh, sizes, e2e, scale, profile, problems, minutes);
        new Report(input).write(out.resolve("RESULTS.md"), out.resolve("throughput.png"), out.resolve("results-raw.csv"));
        log(String.format("wrote %s in %.1f minutes", out.resolve("RESULTS.md"), minutes));
    }

    /** Avoids a hard dependency on the adapter classes. */
    static final class E2eClassCheck {
        static boolean lanyardTomcatPresent() {
            try {
                Class.forName("io.lanyard.tomcat.RedisSessionManager", false, RunAll.class.getClassLoader());
                return true;
            } catch (ClassNotFoundException | LinkageError e) {
                return false;
            }
        }
    }

    private static List<Report.JmhRow> jmh(Params p) throws Exception {
        Options opt = new OptionsBuilder()
                .include("io\\.lanyard\\.core\\.CodecBenchmark")
                .include("io\\.lanyard\\.core\\.ChangeDetectionBenchmark")
                .forks(1)
                .warmupIterations(p.jmhWarmupIterations())
                .warmupTime(TimeValue.milliseconds((long) (p.jmhIterationSeconds() * 1000)))
                .measurementIterations(p.jmhMeasurementIterations())
                .measurementTime(TimeValue.milliseconds((long) (p.jmhIterationSeconds() * 1000)))
                .jvmArgs("-Xms1g", "-Xmx1g")
                .build();
        Collection<RunResult> results = new Runner(opt).run();
        List<Report.JmhRow> rows = new ArrayList<>();
        for (RunResult r : results) {
            String param = r.getParams().getParam("codec");
            if (param == null) {
                // "NONE" (as shipped: snapshots) or "NONE/no-snapshots" (every read value encoded)
                param = r.getParams().getParam("change") + ("false".equals(r.getParams().getParam("snapshots")) ? "/no-snapshots" : "");
            }
            rows.add(new Report.JmhRow(r.getParams().getBenchmark(), param, r.getPrimaryResult().getScore(),
                    r.getPrimaryResult().getScoreError(), r.getPrimaryResult().getScoreUnit()));
        }
        return rows;
    }

    private static List<Report.CodecSize> codecSizes() {
        List<Report.CodecSize> sizes = new ArrayList<>();
        for (BenchCodecs c : BenchCodecs.values()) {
            BenchCodecs.Codec codec = c.newCodec();
            List<Integer> bytes = new ArrayList<>();
            int total = 0;
            for (byte[] b : codec.encodeAll(ShopSession.attributes(42))) {
                Object back = codec.decode(b); // every codec must round-trip the session
                if (back == null) {
                    throw new IllegalStateException(c + " decoded null");
                }
                bytes.add(b.length);
                total += b.length;
            }
            sizes.add(new Report.CodecSize(c.name(), bytes, total));
            log("codec " + c + ": " + bytes + " = " + total + " bytes");
        }
        return sizes;
    }

    private static String redisVersion(RedisServer redis) {
        try {
            return run(RedisServer.binary().toString(), "--version").trim() + " (loopback, no persistence)";
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static Map<String, String> machineFacts() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("CPU", cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores visible to the JVM");
        m.put("memory", memTotal());
        m.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")");
        m.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        try {
            m.put("wrk", run("wrk", "-v").lines().findFirst().orElse("?").trim());
        } catch (Exception e) {
            m.put("wrk", "not found");
        }
        m.put("libraries (from the class path)", String.join(", ", versions("tomcat-embed-core", "jetty-server", "lanyard-session-core", "lanyard-tomcat",
                "lanyard-jetty", "redisson", "redisson-tomcat-10", "spring-session-data-redis", "spring-data-redis", "lettuce-core", "jedis", "kryo", "jmh-core")));
        return m;
    }

    private static List<String> versions(String... artifacts) {
        List<String> out = new ArrayList<>();
        String[] cp = System.getProperty("java.class.path").split(File.pathSeparator);
        for (String a : artifacts) {
            for (String e : cp) {
                Path p = Path.of(e);
                if (p.getParent() != null && p.getParent().getParent() != null && p.getParent().getParent().getFileName().toString().equals(a)) {
                    out.add(a + " " + p.getParent().getFileName());
                    break;
                }
            }
        }
        return out;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return s;
    }

    static synchronized void log(String line) {
        String l = Instant.now().toString().substring(11, 19) + " " + line;
        System.out.println(l);
        System.out.flush();
        if (logFile != null) {
            try {
                Files.writeString(logFile, l + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                // console only
            }
        }
    }
}
