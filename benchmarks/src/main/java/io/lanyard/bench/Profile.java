package io.lanyard.bench;

import io.lanyard.bench.e2e.Configuration;
import io.lanyard.bench.e2e.ServerProcess;
import io.lanyard.bench.e2e.Sessions;
import io.lanyard.bench.e2e.Workload;
import io.lanyard.bench.e2e.Wrk;
import io.lanyard.testsupport.RedisServer;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One JFR profile of Tomcat + Lanyard (or Jetty + Lanyard) under the read-only and one-attribute workloads
 * ({@code jdk.ExecutionSample}, i.e. CPU samples of running Java threads): top methods by self time
 * and where the inclusive time goes (HTTP, Lanyard, Jedis, Kryo).
 */
public final class Profile {
    public record Frame(String method, double selfPercent, double totalPercent) {
    }

    public record Results(Path jfr, long samples, List<Frame> topSelf, List<Frame> topLanyard, Map<String, Double> buckets) {
    }

    /** Inclusive buckets: share of samples with at least one frame matching the prefix. */
    static final Map<String, String> BUCKETS = new LinkedHashMap<>();

    static {
        BUCKETS.put("io.lanyard.tomcat.", "Lanyard Tomcat adapter (inclusive)");
        BUCKETS.put("io.lanyard.core.RedisSessionStore.load", "store.load (inclusive)");
        BUCKETS.put("io.lanyard.core.RedisSessionStore.save", "store.save (inclusive)");
        BUCKETS.put("io.lanyard.core.SessionRecord.delta", "SessionRecord.delta: change detection (inclusive)");
        BUCKETS.put("io.lanyard.core.AttributeCodec.decode", "AttributeCodec.decode (inclusive)");
        BUCKETS.put("io.lanyard.core.AttributeCodec.encode", "AttributeCodec.encode (inclusive)");
        BUCKETS.put("redis.clients.jedis.", "Jedis (inclusive)");
        BUCKETS.put("com.esotericsoftware.kryo.", "Kryo (inclusive)");
        BUCKETS.put("org.apache.coyote.", "Tomcat HTTP connector (inclusive)");
        BUCKETS.put("sun.nio.ch.", "NIO socket calls (inclusive)");
    }

    private Profile() {
    }

    /** Profiles {@code config} (Tomcat + Lanyard or Jetty + Lanyard). */
    public static Results run(Params params, Configuration config, Path work, Consumer<String> log) throws Exception {
        Path jfr = work.resolve(config == Configuration.JETTY_LANYARD ? "lanyard-jetty.jfr" : "lanyard-tomcat.jfr");
        Files.deleteIfExists(jfr);
        try (RedisServer redis = RedisServer.start()) {
            Wrk wrk = new Wrk(work, params.connections());
            List<String> opts = List.of("-XX:FlightRecorderOptions=stackdepth=256");
            try (ServerProcess server = ServerProcess.start(config, redis.uri(), work, "profile", opts)) {
                List<String> cookies = new Sessions(server.port()).login(params.sessions());
                Path cookieFile = work.resolve("profile-cookies.txt");
                Files.write(cookieFile, cookies);
                // Warm up first; the recording covers only steady-state requests (no start-up, no JIT warm-up).
                wrk.warmUp(server.port(), Workload.READ.path(), cookieFile, (int) params.warmupSeconds(), params.warmupMaxSeconds());
                wrk.warmUp(server.port(), Workload.WRITE_ONE.path(), cookieFile, (int) params.warmupSeconds(), params.warmupMaxSeconds());
                jcmd(server.pid(), "JFR.start", "name=lanyard", "settings=profile");
                wrk.run(server.port(), Workload.READ.path(), cookieFile, params.profileSeconds());
                wrk.run(server.port(), Workload.WRITE_ONE.path(), cookieFile, params.profileSeconds());
                jcmd(server.pid(), "JFR.stop", "name=lanyard", "filename=" + jfr);
            }
        }
        return analyse(jfr, log);
    }

    private static void jcmd(long pid, String... args) throws Exception {
        Path javaBin = Path.of(ProcessHandle.current().info().command().orElseThrow());
        List<String> cmd = new ArrayList<>(List.of(javaBin.resolveSibling("jcmd").toString(), Long.toString(pid)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", args) + " failed: " + out);
        }
    }

    public static Results analyse(Path jfr, Consumer<String> log) throws Exception {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> total = new HashMap<>();
        Map<String, Long> buckets = new LinkedHashMap<>();
        long samples = 0;
        try (RecordingFile rf = new RecordingFile(jfr)) {
            while (rf.hasMoreEvents()) {
                RecordedEvent e = rf.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
                    continue;
                }
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = st.getFrames();
                self.merge(name(frames.get(0)), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : frames) {
                    seen.add(name(f));
                }
                for (String m : seen) {
                    total.merge(m, 1L, Long::sum);
                }
                for (String prefix : BUCKETS.keySet()) {
                    for (String m : seen) {
                        if (m.startsWith(prefix)) {
                            buckets.merge(prefix, 1L, Long::sum);
                            break;
                        }
                    }
                }
            }
        }
        long n = Math.max(1, samples);
        List<Frame> topSelf = new ArrayList<>();
        self.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(20)
                .forEach(en -> topSelf.add(new Frame(en.getKey(), 100.0 * en.getValue() / n, 100.0 * total.getOrDefault(en.getKey(), 0L) / n)));
        List<Frame> topLanyard = new ArrayList<>();
        total.entrySet().stream().filter(en -> en.getKey().startsWith("io.lanyard."))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15)
                .forEach(en -> topLanyard.add(new Frame(en.getKey(), 100.0 * self.getOrDefault(en.getKey(), 0L) / n, 100.0 * en.getValue() / n)));
        Map<String, Double> shares = new LinkedHashMap<>();
        BUCKETS.forEach((prefix, label) -> shares.put(label, 100.0 * buckets.getOrDefault(prefix, 0L) / n));
        log.accept("profile: " + samples + " samples; " + shares);
        return new Results(jfr, samples, topSelf, topLanyard, shares);
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
