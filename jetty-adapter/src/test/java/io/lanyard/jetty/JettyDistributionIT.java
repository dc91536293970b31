package io.lanyard.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.core.LanyardSettings;
import io.lanyard.jetty.testapp.AccountServlet;
import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real thing: jetty-home 12.1 (unpacked by Maven), the built module zip unzipped into two
 * jetty-bases, {@code --add-modules=http,ee10-deploy,session-store-redis} (and the same with
 * {@code ee11-deploy}: the store is on Jetty's environment-neutral core session API), a test war in
 * webapps/, two server processes, one Redis. The session must move between them. Also: the ini
 * template lists every setting, and B's misspelt property is reported with the right name.
 */
class JettyDistributionIT {
    private static final String ALLOWED = "io.lanyard.jetty.testapp.**";
    /** The password in B's misspelt {@code jetty.session.redis.url}: it must not reach the log. */
    private static final String MISSPELT_SECRET = "s3cret-in-a-typo";

    private final List<Process> processes = new ArrayList<>();
    /** Temporary jetty-bases and the war's directory, deleted when the test is done. */
    private final List<Path> tempDirs = new ArrayList<>();
    private RedisServer redis;

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.destroy(); // SIGTERM: Jetty's shutdown hook stops the server
        }
        try {
            for (Process p : processes) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            try {
                if (redis != null) {
                    redis.close();
                }
            } finally {
                for (Path dir : tempDirs) {
                    deleteTree(dir);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @ParameterizedTest(name = "{0} webapps")
    @ValueSource(strings = {"ee10", "ee11"})
    void sessionMovesBetweenTwoJettyDistributions(String environment) throws Exception {
        Path home = Path.of(System.getProperty("jetty.home", "target/jetty-dist/jetty-home-12.1.12"));
        Path zip = Path.of(System.getProperty("lanyard.module.zip", "target/lanyard-jetty-0.1.0-SNAPSHOT-module.zip"));
        assertTrue(Files.isRegularFile(home.resolve("start.jar")), "jetty-home unpacked at " + home);
        assertTrue(Files.isRegularFile(zip), "module zip built at " + zip);
        // AOF with fsync on every write: the session survives the SIGKILL at the end.
        redis = RedisServer.start("--appendonly", "yes", "--appendfsync", "always");
        Path warDir = Files.createTempDirectory("lanyard-war");
        tempDirs.add(warDir);
        Path war = warDir.resolve("shop.war");
        buildWar(war);

        int portA = RedisServer.freePort();
        int portB = RedisServer.freePort();
        // A uses DESIGN.md's property name, B the long form the module accepts as well.
        Path baseA = prepareBase(home, zip, war, environment, "A", portA, "jetty.session.redis.uri");
        Path baseB = prepareBase(home, zip, war, environment, "B", portB, "jetty.session.redis.redisUri");
        start(home, baseA);
        start(home, baseB);
        awaitUp(portA, baseA);
        awaitUp(portB, baseB);

        JettyNode.Reply created = JettyNode.Reply.get(portA, "/shop/s?op=create&name=user&value=alice", null);
        assertEquals(200, created.status(), created.body());
        String cookie = created.setCookie();
        assertNotNull(cookie);
        assertEquals("alice", JettyNode.Reply.get(portB, "/shop/s?op=get&name=user", cookie).body());
        assertEquals("ok", JettyNode.Reply.get(portB, "/shop/s?op=set&name=theme&value=dark", cookie).body());
        assertEquals("[apple]", JettyNode.Reply.get(portB, "/shop/s?op=cart&value=apple", cookie).body());
        assertEquals("[apple, pear]", JettyNode.Reply.get(portA, "/shop/s?op=cart&value=pear", cookie).body());
        assertEquals("dark", JettyNode.Reply.get(portA, "/shop/s?op=get&name=theme", cookie).body());
        assertEquals("[apple, pear]", JettyNode.Reply.get(portB, "/shop/s?op=get&name=cart", cookie).body());
        String id = cookie.substring(0, cookie.indexOf('.'));
        assertTrue(redis.exists("lanyard:shop:s:{" + id + "}"), "stored under the id before the dot");
        // The properties reached the store (a missing one would leave the default 127.0.0.1:6379).
        for (Path base : List.of(baseA, baseB)) {
            String log = Files.readString(base.resolve("jetty.log"));
            assertTrue(log.contains("redisUri=" + redis.uri() + ",") && log.contains("allowedClasses=" + ALLOWED + ","),
                    "Lanyard's start line shows the configured URI and allowedClasses: " + log);
            assertFalse(log.contains(MISSPELT_SECRET), "a value of an unknown property was logged: " + log);
        }
        // The application API from the module's lib/redis (the server class path): visible to the
        // webapp, which signs a user out of the session on the other node with it.
        String phone = JettyNode.Reply.get(portA, "/shop/s?op=create&name=user&value=carol", null).setCookie();
        String laptop = JettyNode.Reply.get(portB, "/shop/s?op=create&name=user&value=carol", null).setCookie();
        assertEquals(2, JettyNode.Reply.get(portB, "/shop/account/sessions?user=carol", phone).body().lines().count());
        assertEquals("1", JettyNode.Reply.get(portB, "/shop/account/sign-out-others?user=carol", phone).body());
        assertEquals(404, JettyNode.Reply.get(portA, "/shop/s?op=get&name=user", laptop).status(), "signed out on the other Jetty at once");
        assertEquals("carol", JettyNode.Reply.get(portA, "/shop/s?op=get&name=user", phone).body());

        String logB = Files.readString(baseB.resolve("jetty.log"));
        assertTrue(logB.contains("WARN") && logB.contains("property jetty.session.redis.url is not a Lanyard setting and was ignored;"
                + " did you mean jetty.session.redis.uri / redisUri?"), "misspelt property reported: " + logB);

        // Redis down: the module's store (with the RedisUnavailableHandler its factory inserts)
        // answers 503 and keeps the cookie; requests without a session are served; once Redis is
        // back, the same session is served again.
        redis.kill();
        for (int port : new int[]{portA, portB}) {
            JettyNode.Reply down = JettyNode.Reply.get(port, "/shop/s?op=get&name=user", cookie);
            assertEquals(503, down.status(), down.body());
            assertEquals(io.lanyard.core.LanyardException.RedisUnavailableException.ANSWER, down.body());
            assertNull(down.setCookie());
            assertEquals(200, JettyNode.Reply.get(port, "/shop/s?op=ping", null).status());
        }
        redis.restart();
        assertEquals("alice", JettyNode.Reply.await(portB, "/shop/s?op=get&name=user", cookie, 200).body());
        assertEquals("[apple, pear]", JettyNode.Reply.await(portA, "/shop/s?op=get&name=cart", cookie, 200).body());
        for (Path base : List.of(baseA, baseB)) {
            String log = Files.readString(base.resolve("jetty.log"));
            assertFalse(log.contains("Unable to get Session") || log.contains("RedisUnavailableException"),
                    "no stack trace per request: " + log);
        }
    }

    private Path prepareBase(Path home, Path zip, Path war, String environment, String node, int port, String uriProperty)
            throws Exception {
        Path base = Files.createTempDirectory("lanyard-jetty-base-" + node);
        tempDirs.add(base);
        unzip(zip, base);
        run(home, base, List.of("--add-modules=http," + environment + "-deploy,session-store-redis"));
        Files.writeString(base.resolve("start.d/session-store-redis.ini"), String.join("\n",
                "", "jetty.http.port=" + port, "jetty.http.host=127.0.0.1",
                // Only these Lanyard properties are given: every other setting keeps Lanyard's default.
                uriProperty + "=" + redis.uri(),
                "jetty.session.redis.allowedClasses=" + ALLOWED,
                "jetty.session.redis.nodeName=" + node,
                "jetty.session.redis.principalAttribute=user",
                // B also has a misspelt one, which must be reported with the right name.
                node.equals("B") ? "jetty.session.redis.url=redis://:" + MISSPELT_SECRET + "@elsewhere:6379" : "", ""),
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        // --add-modules wrote the module's ini template, generated from the settings' definition.
        String ini = Files.readString(base.resolve("start.d/session-store-redis.ini"));
        for (Map.Entry<String, String> s : LanyardSettings.defaults().entrySet()) {
            String property = s.getKey().equals("redisUri") ? "jetty.session.redis.uri" : "jetty.session.redis." + s.getKey();
            assertTrue(ini.contains("\n#" + property + "=" + s.getValue() + "\n"), property + " in the ini template:\n" + ini);
        }
        Files.createDirectories(base.resolve("webapps"));
        Files.copy(war, base.resolve("webapps/shop.war"));
        return base;
    }

    private static void run(Path home, Path base, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("add-modules.log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "start.jar --add-modules finished");
        assertEquals(0, p.exitValue(), Files.readString(base.resolve("add-modules.log")));
    }

    private void start(Path home, Path base) throws IOException {
        List<String> cmd = List.of(javaBin(), "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base);
        processes.add(new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("jetty.log").toFile()).start());
    }

    private void awaitUp(int port, Path base) {
        Await.until(Duration.ofSeconds(120), () -> "Jetty on " + port + " is up: " + jettyLog(base), () -> {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new AssertionError("Jetty exited: " + jettyLog(base));
                }
            }
            try {
                return JettyNode.Reply.get(port, "/shop/s?op=get&name=x", null).status() == 404; // the webapp answers (no session yet)
            } catch (IOException notYet) {
                return false; // not listening yet
            }
        });
    }

    private static String jettyLog(Path base) {
        try {
            return Files.readString(base.resolve("jetty.log"));
        } catch (IOException e) {
            return "(no jetty.log: " + e + ")";
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void unzip(Path zip, Path dir) throws IOException {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                Path out = dir.resolve(e.getName()).normalize();
                if (!out.startsWith(dir)) {
                    throw new IOException("bad entry " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = z.getInputStream(e)) {
                        Files.copy(in, out);
                    }
                }
            }
        }
    }

    /** shop.war: the test servlet and its listener, and a servlet that uses Lanyard's application API (io.lanyard.api). */
    static void buildWar(Path war) throws IOException {
        String webXml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <context-param><param-name>node</param-name><param-value>dist</param-value></context-param>
                  <listener><listener-class>io.lanyard.jetty.testapp.SessionServlet$Listener</listener-class></listener>
                  <servlet><servlet-name>s</servlet-name><servlet-class>io.lanyard.jetty.testapp.SessionServlet</servlet-class></servlet>
                  <servlet-mapping><servlet-name>s</servlet-name><url-pattern>/s</url-pattern></servlet-mapping>
                  <servlet><servlet-name>account</servlet-name><servlet-class>io.lanyard.jetty.testapp.AccountServlet</servlet-class></servlet>
                  <servlet-mapping><servlet-name>account</servlet-name><url-pattern>/account/*</url-pattern></servlet-mapping>
                </web-app>
                """;
        try (OutputStream fos = Files.newOutputStream(war); ZipOutputStream out = new ZipOutputStream(fos)) {
            out.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
            out.write(webXml.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            for (Class<?> c : new Class<?>[]{SessionServlet.class, SessionServlet.Listener.class, AccountServlet.class}) {
                String path = c.getName().replace('.', '/') + ".class";
                out.putNextEntry(new ZipEntry("WEB-INF/classes/" + path));
                try (InputStream in = c.getClassLoader().getResourceAsStream(path)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }
}
