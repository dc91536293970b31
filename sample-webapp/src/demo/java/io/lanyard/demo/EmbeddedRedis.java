package io.lanyard.demo;

import redis.embedded.core.ExecutableProvider;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server on a free loopback port, the binary taken from the embedded-redis jar (bundled for Linux and
 * macOS, nothing to install). The jar's own {@code RedisServer} is not used because it registers a JVM shutdown
 * hook that kills Redis at once on Ctrl-C, while the nodes still need it to stop cleanly; here Redis stops
 * when the launcher says so, after the nodes.
 */
final class EmbeddedRedis implements DemoLauncher.Part {
    private final Process process;
    private final int port;

    private EmbeddedRedis(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static EmbeddedRedis start() throws IOException, InterruptedException {
        File binary = ExecutableProvider.newJarResourceProvider().get();
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        // Ctrl-C in a terminal signals the whole foreground process group: redis-server, a child of the
        // launcher, would quit at once and the nodes could not stop cleanly. In its own session only the
        // launcher's shutdown hook stops it, after the nodes. A freshly started child is never a process-group
        // leader, so setsid execs redis-server in place (same pid: close() signals Redis itself). Without
        // setsid (macOS) the demo still works; the nodes then log that Redis went away while they stop.
        File setsid = onPath("setsid");
        if (setsid != null) {
            cmd.add(setsid.getAbsolutePath());
        }
        cmd.addAll(List.of(binary.getAbsolutePath(), "--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")); // demo data only: nothing on disk
        Process process = new ProcessBuilder(cmd).directory(binary.getParentFile()).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            output.add(line);
            if (line.contains("Ready to accept connections")) {
                Thread drain = new Thread(() -> drain(out), "embedded-redis-output");
                drain.setDaemon(true);
                drain.start();
                return new EmbeddedRedis(process, port);
            }
        }
        process.destroyForcibly();
        throw new IOException("embedded redis-server did not start:\n  " + String.join("\n  ", output));
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public String toString() {
        return "embedded Redis";
    }

    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) { // something else stopped it while the nodes still needed it
            throw new IllegalStateException("redis-server had already exited (code " + process.exitValue() + ")");
        }
        process.destroy(); // SIGTERM: redis-server shuts down cleanly (no save configured)
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static void drain(BufferedReader out) {
        try {
            while (out.readLine() != null) {
                // redis-server's log is not interesting once it runs; reading keeps its pipe from filling up
            }
        } catch (IOException ignored) {
            // process gone
        }
    }

    /** {@code program} in a directory of the PATH, or null. */
    static File onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            File f = new File(dir, program);
            if (f.canExecute()) {
                return f;
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
