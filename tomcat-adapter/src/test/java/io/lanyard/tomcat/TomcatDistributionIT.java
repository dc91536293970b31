package io.lanyard.tomcat;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user does, automated: real Tomcat distributions (11 and 10.1, unpacked by
 * maven-dependency-plugin in pre-integration-test), two CATALINA_BASEs each, the built shaded jar
 * in {@code lib/}, one {@code <Manager>} line in {@code conf/context.xml}, the test webapp
 * ({@code io.lanyard.testapp}) deployed exploded, both started with {@code bin/catalina.sh run}.
 * The session must move between the two nodes, and catalina.out must show no SLF4J warning and
 * no SEVERE line, and (node b) one warning for a misspelt {@code <Manager>} attribute, naming the
 * right one but not the value.
 */
class TomcatDistributionIT {
    /** A misspelt redisUri on node b's {@code <Manager>}, with a password that must not reach the log. */
    static final String MISSPELT = "redisUrl";
    static final String MISSPELT_SECRET = "s3cret-in-a-typo";
    static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    static Stream<String> versions() {
        return Arrays.stream(System.getProperty("lanyard.tomcatDistVersions", "").split(",")).filter(v -> !v.isBlank());
    }

    @ParameterizedTest(name = "Tomcat {0}")
    @MethodSource("versions")
    void sessionMovesBetweenTwoRealTomcats(String version) throws Exception {
        Path home = Path.of(System.getProperty("lanyard.tomcatDistDir")).resolve("apache-tomcat-" + version);
        assertTrue(Files.isDirectory(home.resolve("bin")), "distribution not unpacked: " + home);
        Path jar = Path.of(System.getProperty("lanyard.tomcatJar"));
        assertTrue(Files.isRegularFile(jar), "the shaded jar is built in the package phase: " + jar);
        Path work = Path.of(System.getProperty("lanyard.workDir")).resolve("tomcat-" + version);
        deleteTree(work);
        Path webapp = buildWebapp(work.resolve("webapp"));
        String app = "dist" + version.replace('.', '_');

        List<Process> processes = new ArrayList<>();
        List<Path> bases = new ArrayList<>();
        try {
            int[] ports = {RedisServer.freePort(), RedisServer.freePort()};
            for (int i = 0; i < 2; i++) {
                String node = (i == 0 ? "a" : "b");
                Path base = createBase(home, work.resolve("base-" + node), jar, webapp, ports[i], node, app, redis.uri());
                bases.add(base);
                processes.add(start(home, base));
            }
            for (int i = 0; i < 2; i++) {
                awaitUp(ports[i], processes.get(i), bases.get(i));
            }
            String a = "http://127.0.0.1:" + ports[0] + "/app";
            String b = "http://127.0.0.1:" + ports[1] + "/app";

            Browser browser = new Browser();
            assertTrue(browser.get(a + "/s/create").endsWith("new=true"));
            assertTrue(browser.cookie.endsWith(".a"), browser.cookie);
            browser.get(a + "/s/set?name=user&value=alice");
            browser.get(a + "/s/cart-add?item=apple");
            assertEquals("alice", browser.get(b + "/s/get?name=user"), "cookie from A works on B");
            browser.get(b + "/s/cart-add?item=pear"); // mutated in place on B (a webapp class)
            browser.get(b + "/s/set?name=user&value=bob");
            assertEquals("[apple, pear]", browser.get(a + "/s/cart"), "B's in-place mutation visible on A");
            assertEquals("bob", browser.get(a + "/s/get?name=user"));
            String id = browser.sessionId();
            String key = "lanyard:" + app + ":s:{" + id + "}";
            assertTrue(redis.exists(key), "the session's hash " + key);
            browser.get(b + "/s/invalidate");
            assertEquals("no-session", browser.get(a + "/s/get?name=user"));

            // The application API, from the drop-in jar in lib/ (io.lanyard.api is not relocated):
            // the webapp's servlet uses it to sign a user out of the session on the other node.
            Browser phone = new Browser();
            phone.get(a + "/s/set?name=user&value=carol"); // principalAttribute="user"
            Browser laptop = new Browser();
            laptop.get(b + "/s/set?name=user&value=carol");
            assertEquals(2, phone.get(b + "/account/sessions?user=carol").lines().count());
            assertEquals("1", phone.get(b + "/account/sign-out-others?user=carol"));
            assertEquals("no-session", laptop.get(a + "/s/get?name=user"), "signed out on the other Tomcat at once");
            assertEquals("carol", phone.get(a + "/s/get?name=user"));
        } finally {
            for (Process p : processes) {
                stop(p);
            }
        }
        for (Path base : bases) {
            String out = Files.readString(base.resolve("logs/catalina.out"), StandardCharsets.UTF_8);
            assertTrue(out.contains("Lanyard session store started"), "store started in " + base + ":\n" + out);
            assertFalse(out.contains("SLF4J"), "SLF4J warning in " + base + ":\n" + out);
            assertFalse(out.contains("SEVERE"), "SEVERE in " + base + ":\n" + out);
            assertFalse(out.contains(MISSPELT_SECRET), "a value of an unknown attribute was logged in " + base + ":\n" + out);
        }
        String outB = Files.readString(bases.get(1).resolve("logs/catalina.out"), StandardCharsets.UTF_8);
        assertTrue(outB.contains("WARNING") && outB.contains("Lanyard [/app]: <Manager> attribute " + MISSPELT
                + " is not a Lanyard setting and was ignored; did you mean redisUri?"), "misspelt attribute reported:\n" + outB);
    }

    /**
     * Misconfiguration found at start, before any request, as catalina.out shows it (JULI's format):
     * node c has a wrong password (one SEVERE from Lanyard naming the fix; /app does not start),
     * node d a Redis port where nothing listens (one WARNING naming it; /app starts).
     */
    @ParameterizedTest(name = "Tomcat {0}")
    @MethodSource("versions")
    void aWrongPasswordAndAnUnreachableRedisAreReportedAtStart(String version) throws Exception {
        Path home = Path.of(System.getProperty("lanyard.tomcatDistDir")).resolve("apache-tomcat-" + version);
        Path jar = Path.of(System.getProperty("lanyard.tomcatJar"));
        Path work = Path.of(System.getProperty("lanyard.workDir")).resolve("tomcat-misconfigured-" + version);
        deleteTree(work);
        Path webapp = buildWebapp(work.resolve("webapp"));
        int[] ports = {RedisServer.freePort(), RedisServer.freePort()};
        int nobody = RedisServer.freePort();
        String wrong = "redis://app:" + MISSPELT_SECRET + "@127.0.0.1:" + redis.port();
        Path c = createBase(home, work.resolve("base-c"), jar, webapp, ports[0], "c", "app", wrong);
        Path d = createBase(home, work.resolve("base-d"), jar, webapp, ports[1], "d", "app", "redis://127.0.0.1:" + nobody);
        List<Process> processes = new ArrayList<>();
        try {
            processes.add(start(home, c));
            processes.add(start(home, d));
            awaitUp(ports[1], processes.get(1), d);
            Await.until(Duration.ofSeconds(120), () -> "Tomcat c started:\n" + catalinaOut(c),
                    () -> catalinaOut(c).contains("Server startup in"));
            assertEquals(404, new Browser().send("http://127.0.0.1:" + ports[0] + "/app/s/names").statusCode(),
                    "node c has no /app");
            assertEquals(503, new Browser("0123456789abcdef0123.d").send("http://127.0.0.1:" + ports[1] + "/app/s/get?name=x")
                    .statusCode(), "node d answers 503 for a session while Redis is unreachable");
        } finally {
            for (Process p : processes) {
                stop(p);
            }
        }
        List<String> outC = catalinaOut(c).lines().filter(l -> l.contains("io.lanyard")).toList();
        List<String> severe = outC.stream().filter(l -> l.contains(" SEVERE ")).toList();
        assertEquals(1, severe.size(), "one SEVERE line from Lanyard:\n" + String.join("\n", outC));
        assertTrue(severe.get(0).contains("io.lanyard.core.RedisCalls") && severe.get(0).contains("WRONGPASS")
                && severe.get(0).contains("redis://app:****@127.0.0.1:" + redis.port())
                && severe.get(0).contains("Fix the password or ACL user in redisUri"), severe.get(0));
        assertFalse(catalinaOut(c).contains(MISSPELT_SECRET), "the password was logged:\n" + catalinaOut(c));
        List<String> outD = catalinaOut(d).lines().filter(l -> l.contains("io.lanyard")).toList();
        List<String> warnings = outD.stream().filter(l -> l.contains(" WARNING ")).toList();
        assertEquals(1, warnings.size(), "one WARNING line from Lanyard:\n" + String.join("\n", outD));
        assertTrue(warnings.get(0).contains("redis://127.0.0.1:" + nobody + " cannot be reached at start"), warnings.get(0));
        assertFalse(catalinaOut(d).contains("SEVERE"), catalinaOut(d));
        assertTrue(outD.stream().anyMatch(l -> l.contains("Lanyard session store started: redisUri=")), String.join("\n", outD));
    }

    /** The test webapp as an exploded directory: io.lanyard.testapp classes (annotated) in WEB-INF/classes. */
    static Path buildWebapp(Path dir) throws IOException {
        Path classes = Path.of(System.getProperty("lanyard.testClasses"));
        Path pkg = classes.resolve("io/lanyard/testapp");
        Path target = dir.resolve("WEB-INF/classes/io/lanyard/testapp");
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(pkg)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    static Path createBase(Path home, Path base, Path jar, Path webapp, int port, String node, String app,
                                   String redisUri) throws IOException {
        for (String d : List.of("conf", "lib", "logs", "temp", "webapps", "work")) {
            Files.createDirectories(base.resolve(d));
        }
        try (Stream<Path> files = Files.list(home.resolve("conf"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, base.resolve("conf").resolve(f.getFileName()));
            }
        }
        Path serverXml = base.resolve("conf/server.xml");
        String server = Files.readString(serverXml)
                .replace("port=\"8005\"", "port=\"-1\"")
                .replace("port=\"8080\"", "port=\"" + port + "\" address=\"127.0.0.1\"")
                .replace("<Engine name=\"Catalina\" defaultHost=\"localhost\">",
                        "<Engine name=\"Catalina\" defaultHost=\"localhost\" jvmRoute=\"" + node + "\">");
        assertTrue(server.contains("port=\"" + port + "\""), "connector port not set in server.xml");
        Files.writeString(serverXml, server);

        // The user's three steps: jar into lib/, the <Manager> line, allowedClasses. Node b's line
        // also has a misspelt attribute, which must be reported with the right name.
        Files.copy(jar, base.resolve("lib").resolve(jar.getFileName()));
        Path contextXml = base.resolve("conf/context.xml");
        String misspelt = node.equals("b") ? " " + MISSPELT + "=\"redis://:" + MISSPELT_SECRET + "@elsewhere:6379\"" : "";
        String context = Files.readString(contextXml).replace("</Context>", managerLine(redisUri, app, misspelt) + "\n</Context>");
        Files.writeString(contextXml, context);
        copyTree(webapp, base.resolve("webapps/app"));
        return base;
    }

    /** The user's {@code <Manager>} line, as the README shows it. */
    static String managerLine(String redisUri, String app, String extraAttributes) {
        return "    <Manager className=\"io.lanyard.tomcat.RedisSessionManager\" redisUri=\"" + redisUri
                + "\" allowedClasses=\"io.lanyard.testapp.**\" application=\"" + app + "\" principalAttribute=\"user\""
                + extraAttributes + "/>";
    }

    static Process start(Path home, Path base) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", home.resolve("bin/catalina.sh").toString(), "run");
        pb.environment().put("CATALINA_HOME", home.toString());
        pb.environment().put("CATALINA_BASE", base.toString());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("CATALINA_OPTS", "-Xmx256m -Xss512k");
        pb.environment().remove("JAVA_OPTS");
        pb.environment().remove("LANYARD_REDIS_URI");
        pb.redirectErrorStream(true);
        pb.redirectOutput(base.resolve("logs/catalina.out").toFile());
        return pb.start();
    }

    static void awaitUp(int port, Process process, Path base) {
        String url = "http://127.0.0.1:" + port + "/app/s/names";
        Await.until(Duration.ofSeconds(120), () -> "Tomcat on port " + port + " serves /app:\n" + catalinaOut(base), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("Tomcat exited:\n" + catalinaOut(base));
            }
            try {
                return new Browser().send(url).statusCode() == 200;
            } catch (IllegalStateException notYet) {
                return false; // connection refused while starting
            }
        });
    }

    static String catalinaOut(Path base) {
        try {
            return Files.readString(base.resolve("logs/catalina.out"));
        } catch (IOException e) {
            return "(no catalina.out: " + e + ")";
        }
    }

    static void stop(Process p) throws InterruptedException {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy(); // SIGTERM: catalina.sh run execs java, whose shutdown hook stops Tomcat cleanly
        children.forEach(ProcessHandle::destroy);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted((x, y) -> y.getNameCount() - x.getNameCount()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
