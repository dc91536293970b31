package io.lanyard.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load generator: {@code wrk} with a fixed number of connections on one thread, the same for
 * every configuration. Cookies come from a file, one session per line, used round-robin.
 */
public final class Wrk {
    /** One wrk run. Latencies in microseconds. */
    public record Result(long requests, double seconds, double p50Micros, double p99Micros, long errors) {
        public double throughput() {
            return requests / seconds;
        }
    }

    private final Path script;
    private final int connections;

    public Wrk(Path workDir, int connections) throws IOException {
        this.connections = connections;
        this.script = workDir.resolve("wrk-sessions.lua");
        try (InputStream in = Wrk.class.getResourceAsStream("/io/lanyard/bench/wrk-sessions.lua")) {
            Files.write(script, in.readAllBytes());
        }
    }

    public static boolean available() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(10, TimeUnit.SECONDS);
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public Result run(int port, String path, Path cookieFile, double seconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("wrk", "-t1", "-c" + connections, "-d" + Math.max(1, Math.round(seconds)) + "s" /* wrk takes whole seconds */,
                "--timeout", "10s", "-s", script.toString(), "http://127.0.0.1:" + port + path, "--", path,
                cookieFile == null ? "" : cookieFile.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor((long) seconds + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish");
        }
        for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
                String[] f = line.trim().split(" ");
                long requests = Long.parseLong(f[1]);
                double secs = Long.parseLong(f[2]) / 1e6;
                long errors = 0;
                for (int i = 5; i <= 9; i++) {
                    errors += Long.parseLong(f[i]);
                }
                return new Result(requests, secs, Double.parseDouble(f[3]), Double.parseDouble(f[4]), errors);
            }
        }
        throw new IOException("no RESULT line from wrk: " + out);
    }

    /**
     * Unmeasured load until the server is warm: one-second runs of {@code path} until two in a row
     * differ by less than 5% in throughput (the JIT has settled), at least {@code minSeconds} and at
     * most {@code maxSeconds} of them. A fresh JVM serving a path for one second is still compiling
     * it; on 2 shared cores that can halve its first cells. Returns the seconds spent.
     */
    public int warmUp(int port, String path, Path cookieFile, int minSeconds, int maxSeconds) throws IOException, InterruptedException {
        double previous = -1;
        int spent = 0;
        while (spent < Math.max(minSeconds, maxSeconds)) {
            double now = run(port, path, cookieFile, 1).throughput();
            spent++;
            if (spent >= minSeconds && previous > 0 && Math.abs(now - previous) < 0.05 * Math.max(now, previous)) {
                break;
            }
            previous = now;
        }
        return spent;
    }
}
