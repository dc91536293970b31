package io.lanyard.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lanyard.testsupport.Await;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C on {@code ./demo.sh} with its embedded Redis: the terminal signals the whole foreground process
 * group, so a redis-server started as a plain child of the launcher quit at once, and the nodes then stopped
 * against a dead Redis (warnings from the order workers, Jetty's store failing to stop, seconds of
 * retries). The launcher runs here as a terminal would run it, as the leader of its own process group; the
 * test sends SIGINT to that group and expects the ordered stop: balancer, nodes, then Redis, with nothing
 * failing. Needs {@code setsid} (Linux).
 */
class DemoInterruptIT {
    private static String required(String property) {
        return Objects.requireNonNull(System.getProperty(property), "system property " + property);
    }

    @Test
    void ctrlCStopsTheNodesBeforeTheEmbeddedRedis() throws Exception {
        File setsid = EmbeddedRedis.onPath("setsid");
        assumeTrue(setsid != null, "no setsid on the PATH (not Linux): the process-group test needs it");
        Path log = Path.of(required("demo.classes")).getParent().resolve("demo-interrupt-it.log");
        List<String> cmd = List.of(setsid.getAbsolutePath(), // execs in place: the launcher leads its own group
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", required("demo.classes") + File.pathSeparator + Files.readString(Path.of(required("demo.classpath.file"))).trim(),
                "io.lanyard.demo.DemoLauncher",
                "--war", required("shop.war"), "--tomcat-adapter", required("demo.tomcat.adapter"), "--port", "0");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("LANYARD_REDIS_URI"); // the embedded Redis, as ./demo.sh starts it
        pb.environment().remove("REDIS_URL");
        Process demo = pb.start();
        List<ProcessHandle> tree = List.of();
        try {
            Await.until(Duration.ofSeconds(240), () -> "the demo is ready:\n" + read(log), () -> {
                if (!demo.isAlive()) {
                    fail("the demo exited with " + demo.exitValue() + ":\n" + read(log));
                }
                return read(log).contains(DemoLauncher.READY);
            });
            tree = demo.descendants().toList(); // before anything stops: redis-server, in its own session, outlives a killed launcher
            List<ProcessHandle> redis = tree.stream().filter(p -> p.info().command().orElse("").contains("redis-server")).toList();
            assertEquals(1, redis.size(), "one embedded redis-server under the launcher:\n" + read(log));

            signalGroup(demo.pid(), "-INT"); // what Ctrl-C in a terminal does
            try {
                Await.until(Duration.ofSeconds(10), "the launcher to start stopping", () -> read(log).contains("Stopping the Lanyard demo"));
            } catch (AssertionError ignoredSigint) {
                // A JVM started with SIGINT ignored (a background job) does not react to it; SIGTERM runs the same hook.
                System.err.println("DemoInterruptIT: the launcher ignored SIGINT; stopping it with SIGTERM");
                demo.destroy();
            }
            if (!demo.waitFor(90, TimeUnit.SECONDS)) {
                fail("the demo did not stop within 90 s:\n" + read(log));
            }
            String text = read(log);
            assertFalse(text.contains("Lanyard demo: stopping"), "no part failed to stop (Redis stopped last, by the launcher):\n" + text);
            assertFalse(text.contains("Redis call failed"), "Redis outlived the nodes:\n" + text);
            int tomcat = text.indexOf("Lanyard demo: stopped tomcat-1");
            int jetty = text.indexOf("Lanyard demo: stopped jetty-1");
            int redisStopped = text.indexOf("Lanyard demo: stopped embedded Redis");
            assertTrue(tomcat >= 0 && jetty >= 0 && redisStopped > tomcat && redisStopped > jetty, "nodes first, then Redis:\n" + text);
            assertTrue(text.contains("Lanyard demo stopped."), "clean stop:\n" + text);
            Await.until(Duration.ofSeconds(30), "redis-server gone", () -> !redis.get(0).isAlive());
        } finally {
            List<ProcessHandle> left = new ArrayList<>(tree);
            left.addAll(demo.descendants().toList()); // while the launcher still holds them (a failed start)
            if (demo.isAlive()) {
                demo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            left.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static void signalGroup(long leader, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, "--", "-" + leader).redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, kill.waitFor(), "kill " + signal + " -" + leader + ": " + out);
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
