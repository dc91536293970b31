package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The README's "Install on Jetty" section, run as written on jetty-home 12.1.12: its shell blocks
 * and its properties are read from README.md, so the README and this test cannot drift apart.
 * What the test fills in, and nothing else: {@code $JETTY_HOME} and {@code $JETTY_BASE} (a fresh,
 * empty directory) in the environment, {@code /path/to/} and {@code <version>} (the built module
 * zip and a test war called shop.war), the value of {@code jetty.session.redis.uri} (a test Redis,
 * with DESIGN.md's least-privilege ACL user), and the port in {@code start.d/http.ini}, where the
 * README says it is.
 *
 * <p>The same base then shows what an operator sees in Jetty's log (one format: Lanyard's core lines
 * go through Jetty's SLF4J logging): the start-up line with every setting, a wrong password
 * (one ERROR naming the fix; the webapp does not start) and an unreachable Redis (one WARN; the
 * webapp starts and answers 503 for sessions until Redis is up).
 */
class JettyReadmeIT {
    private static final String PASSWORD = "app-secret";
    private static final String WRONG = "wrong-secret";
    /** Jetty's one-line format (jetty-slf4j-impl): {@code 2026-01-01 10:00:00.000:INFO :ilc.RedisSessionStore:main: ...}. */
    private static final Pattern JETTY_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}:(INFO |WARN |ERROR):[\\w.$]+:[^:]+: ");
    /** The JDK's default java.util.logging format: a date line, then "LEVEL: message". */
    private static final Pattern JDK_LINE = Pattern.compile("^(SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): |^[A-Z][a-z]{2} \\d{1,2}, \\d{4} ");

    private final List<Path> tempDirs = new ArrayList<>();
    private Process jetty;
    private RedisServer redis;
    private Path home;
    private Path base;
    private int port;

    /** The README's Jetty section: its shell blocks and its properties block. */
    record Readme(List<String> shellBlocks, List<String> properties) {
        static Readme read() throws IOException {
            String readme = Files.readString(Path.of("../README.md"));
            int start = readme.indexOf("\n## Install on Jetty");
            assertTrue(start >= 0, "README has an 'Install on Jetty' section");
            int end = readme.indexOf("\n## ", start + 1);
            List<String> shell = new ArrayList<>();
            List<String> properties = new ArrayList<>();
            String[] lines = readme.substring(start, end < 0 ? readme.length() : end).split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (!lines[i].startsWith("```")) {
                    continue;
                }
                String language = lines[i].substring(3).trim();
                List<String> block = new ArrayList<>();
                for (i++; !lines[i].startsWith("```"); i++) {
                    block.add(lines[i]);
                }
                if (language.equals("sh")) {
                    shell.add(String.join("\n", block));
                } else if (language.isEmpty() && block.stream().allMatch(l -> l.startsWith("jetty.session.redis."))) {
                    properties.addAll(block);
                }
            }
            return new Readme(shell, properties);
        }
    }

    @BeforeEach
    void prepare() throws IOException {
        home = Path.of(System.getProperty("jetty.home", "target/jetty-dist/jetty-home-12.1.12")).toAbsolutePath();
        assertTrue(Files.isRegularFile(home.resolve("start.jar")), "jetty-home unpacked at " + home);
        redis = RedisServer.start();
        try (Jedis admin = redis.jedis()) {
            admin.aclSetUser("app", "on", ">" + PASSWORD, "resetkeys", "resetchannels", "~lanyard:*", "&lanyard:*",
                    "-@all", "+@read", "+@write", "+@scripting", "+@connection", "+@keyspace", "-@admin", "-@dangerous");
        }
        port = RedisServer.freePort();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            stopJetty();
        } finally {
            redis.close();
            tempDirs.forEach(RedisServer::deleteTree);
        }
    }

    private String redisUri(String password) {
        return "redis://app:" + password + "@127.0.0.1:" + redis.port();
    }

    @Test
    void theReadmeStepsGiveAServerThatKeepsSessionsInRedis() throws Exception {
        Readme readme = Readme.read();
        assertEquals(2, readme.shellBlocks().size(), "README's Jetty section: install block, start block");
        assertTrue(readme.shellBlocks().get(0).lines().anyMatch(l -> l.equals(
                "java -jar $JETTY_HOME/start.jar --add-modules=http,ee10-deploy,session-store-redis")),
                "the install line DESIGN.md requires: " + readme.shellBlocks().get(0));
        String startBlock = installAsTheReadmeSays(readme);
        Path log = base.resolve("jetty.log");
        jetty = shell(startBlock, base, log, Map.of());
        awaitAnswer("/shop/s?op=ping", 200, log);

        JettyNode.Reply created = JettyNode.Reply.get(port, "/shop/s?op=create&name=user&value=alice", null);
        assertEquals(200, created.status(), created.body());
        String cookie = created.setCookie();
        assertNotNull(cookie, "a session cookie");
        assertEquals("alice", JettyNode.Reply.get(port, "/shop/s?op=get&name=user", cookie).body());
        String id = cookie.substring(0, cookie.indexOf('.'));
        assertTrue(redis.exists("lanyard:shop:s:{" + id + "}"), "the session is in Redis");

        String out = read(log);
        String started = out.lines().filter(l -> l.contains("Lanyard session store started: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no start-up line:\n" + out));
        assertTrue(started.contains(":INFO :ilc.RedisSessionStore:"), "the core's start-up line in Jetty's format: " + started);
        assertTrue(started.contains("redisUri=redis://app:****@127.0.0.1:" + redis.port() + ",")
                && started.contains("allowedClasses=com.example.shop.**,") && started.contains("readTimeoutMillis=2000,")
                && started.contains("poolSize=16,"), "every effective setting, the password masked: " + started);
        assertFalse(out.contains(PASSWORD), out);
        assertOneFormat(out);

        // At run time a revoked permission is one ERROR (not an outage WARN) and 503 for sessions.
        try (Jedis admin = redis.jedis()) {
            admin.aclSetUser("app", "resetkeys", "~other:*");
        }
        for (int i = 0; i < 5; i++) {
            JettyNode.Reply refused = JettyNode.Reply.get(port, "/shop/s?op=get&name=user", cookie);
            assertEquals(503, refused.status(), refused.body());
        }
        String after = read(log);
        List<String> errors = lanyardLines(after).stream().filter(l -> l.contains(":ERROR:")).toList();
        assertEquals(1, errors.size(), "one error line, not one per request:\n" + after);
        assertTrue(errors.get(0).contains(":ERROR:ilc.RedisCalls:") && errors.get(0).contains("NOPERM"), errors.get(0));
        assertTrue(lanyardLines(after).stream().noneMatch(l -> l.contains(":WARN :")), after);
    }

    @Test
    void aWrongPasswordIsOneErrorAndAnUnreachableRedisOneWarningInJettysLog() throws Exception {
        String startBlock = installAsTheReadmeSays(Readme.read());

        // A wrong password (LANYARD_REDIS_URI overrides the ini): one ERROR naming the fix, the webapp does not start.
        Path wrong = base.resolve("wrong-password.log");
        jetty = shell(startBlock, base, wrong, Map.of("LANYARD_REDIS_URI", redisUri(WRONG)));
        awaitAnswer("/shop/s?op=ping", 503, wrong); // Jetty's answer for a webapp that failed to start
        String out = read(wrong);
        List<String> errors = lanyardLines(out).stream().filter(l -> l.contains(":ERROR:")).toList();
        assertEquals(1, errors.size(), "one error line from Lanyard:\n" + out);
        assertTrue(errors.get(0).contains(":ERROR:ilc.RedisCalls:") && errors.get(0).contains("WRONGPASS")
                && errors.get(0).contains("redis://app:****@127.0.0.1:" + redis.port())
                && errors.get(0).contains("Fix the password or ACL user in redisUri")
                && errors.get(0).contains("The webapp is not started"), errors.get(0));
        assertFalse(out.contains(WRONG), "the password reached the log:\n" + out);
        assertFalse(out.contains("Lanyard session store started"), out);
        assertOneFormat(out);
        stopJetty();

        // Redis unreachable: one WARN naming host and port; the webapp starts and answers 503 for sessions.
        int nobody = RedisServer.freePort();
        Path unreachable = base.resolve("unreachable.log");
        jetty = shell(startBlock, base, unreachable, Map.of("LANYARD_REDIS_URI", "redis://app:" + PASSWORD + "@127.0.0.1:" + nobody));
        awaitAnswer("/shop/s?op=ping", 200, unreachable);
        JettyNode.Reply session = JettyNode.Reply.get(port, "/shop/s?op=get&name=user", "0123456789abcdef0123.node0");
        assertEquals(503, session.status(), session.body());
        assertNull(session.setCookie());
        out = read(unreachable);
        List<String> warnings = lanyardLines(out).stream().filter(l -> l.contains(":WARN :")).toList();
        assertEquals(1, warnings.size(), "one warning line from Lanyard:\n" + out);
        assertTrue(warnings.get(0).contains("redis://app:****@127.0.0.1:" + nobody + " cannot be reached at start"), warnings.get(0));
        assertTrue(lanyardLines(out).stream().noneMatch(l -> l.contains(":ERROR:")), out);
        assertTrue(out.contains("Lanyard session store started"), out);
        assertFalse(out.contains(PASSWORD), out);
        assertOneFormat(out);
    }

    /**
     * The README's install block, its properties and the war, on a fresh jetty-base.
     *
     * @return the README's start block, paths filled in
     */
    private String installAsTheReadmeSays(Readme readme) throws Exception {
        Path dist = Files.createTempDirectory("lanyard-dist");
        tempDirs.add(dist);
        base = Files.createTempDirectory("lanyard-jetty-base");
        tempDirs.add(base);
        Path zip = Path.of(System.getProperty("lanyard.module.zip", "target/lanyard-jetty-0.1.0-SNAPSHOT-module.zip"));
        assertTrue(Files.isRegularFile(zip), "module zip built at " + zip);
        Files.copy(zip, dist.resolve(zip.getFileName()));
        JettyDistributionIT.buildWar(dist.resolve("shop.war"));
        String version = zip.getFileName().toString().replaceAll("^lanyard-jetty-(.*)-module\\.zip$", "$1");
        List<String> blocks = readme.shellBlocks().stream()
                .map(b -> b.replace("/path/to/", dist + "/").replace("<version>", version)).toList();

        Path installLog = dist.resolve("install.log");
        Process install = shell(blocks.get(0), dist, installLog, Map.of()); // the block's own "cd" goes to the base
        assertTrue(install.waitFor(120, TimeUnit.SECONDS), "the install block finished");
        assertEquals(0, install.exitValue(), read(installLog));

        assertFalse(readme.properties().isEmpty(), "README's Jetty section lists the properties to set");
        List<String> properties = readme.properties().stream()
                .map(p -> p.startsWith("jetty.session.redis.uri=") ? "jetty.session.redis.uri=" + redisUri(PASSWORD) : p).toList();
        append(base.resolve("start.d/session-store-redis.ini"), properties);
        append(base.resolve("start.d/http.ini"), List.of("jetty.http.port=" + port, "jetty.http.host=127.0.0.1"));
        return blocks.get(1);
    }

    private static void append(Path ini, List<String> lines) throws IOException {
        assertTrue(Files.isRegularFile(ini), ini + " written by --add-modules");
        Files.writeString(ini, "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /** Runs {@code script} with {@code sh -e}, as a user's shell would, with java, JETTY_HOME and JETTY_BASE set. */
    private Process shell(String script, Path dir, Path output, Map<String, String> extraEnv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-ec", script).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("LANYARD_"));
        env.put("JETTY_HOME", home.toString());
        env.put("JETTY_BASE", base.toString());
        env.put("PATH", Path.of(JettyDistributionIT.javaBin()).getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        env.putAll(extraEnv);
        return pb.start();
    }

    private void awaitAnswer(String pathAndQuery, int status, Path log) {
        Await.until(Duration.ofSeconds(120), () -> "Jetty answers " + status + " to " + pathAndQuery + ":\n" + read(log), () -> {
            if (!jetty.isAlive()) {
                throw new AssertionError("Jetty exited:\n" + read(log));
            }
            try {
                return JettyNode.Reply.get(port, pathAndQuery, null).status() == status;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    private void stopJetty() throws InterruptedException {
        if (jetty == null) {
            return;
        }
        // sh is the parent of Jetty's JVM: stop the JVM (its shutdown hook stops Jetty), then sh.
        List<ProcessHandle> children = jetty.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        jetty.destroy();
        for (ProcessHandle child : children) {
            child.onExit().completeOnTimeout(null, 30, TimeUnit.SECONDS).join();
            child.destroyForcibly();
        }
        if (!jetty.waitFor(30, TimeUnit.SECONDS)) {
            jetty.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        jetty = null;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no " + log + ": " + e + ")";
        }
    }

    /** Lines that Lanyard's loggers wrote (Jetty's format abbreviates io.lanyard.core to {@code ilc}). */
    private static List<String> lanyardLines(String log) {
        return log.lines().filter(l -> l.contains(":ilc.") || l.contains(":ilj.")).toList();
    }

    /** Every log line in Jetty's format (stack trace lines aside), none in the JDK's two-line one. */
    private static void assertOneFormat(String log) {
        for (String line : log.lines().toList()) {
            assertFalse(JDK_LINE.matcher(line).find(), "a line in the JDK's format: " + line + "\n" + log);
        }
        assertTrue(log.lines().filter(l -> l.contains("Lanyard: ") || l.contains("Lanyard session store started"))
                        .allMatch(l -> JETTY_LINE.matcher(l).find()),
                "Lanyard's lines in Jetty's format:\n" + log);
    }
}
