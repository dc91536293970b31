package io.lanyard.tomcat;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tomcat's manager webapp, as the distribution ships it, on a two-node cluster (each Tomcat
 * version of {@link TomcatDistributionIT}; each its own application in one Redis). Node a has Lanyard's
 * {@code <Manager>} in the test app's own {@code META-INF/context.xml}, node b in the global
 * {@code conf/context.xml}: the manager webapp declares its own {@code <Manager>}, which replaces
 * the global one for it, so its HTML pages keep their CSRF nonces in memory as shipped. Sessions
 * are created and invalidated on both nodes; {@code list}, {@code sessions}, {@code expire}, the
 * Manager MBean (through {@code jmxproxy}) and the HTML session pages must show the sessions in
 * Redis, and each session's {@code sessionDestroyed} must run once, on one node.
 */
class TomcatManagerAppIT {
    private static final String USER = "ops";
    private static final String PASSWORD = "ops-secret-1";
    private static final String MBEAN = "Catalina:type=Manager,host=localhost,context=/app";
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    static java.util.stream.Stream<String> versions() {
        return TomcatDistributionIT.versions();
    }

    @ParameterizedTest(name = "Tomcat {0}")
    @MethodSource("versions")
    void theManagerWebappSeesAndExpiresTheClustersSessions(String version) throws Exception {
        String app = "manager" + version.replace('.', '_');
        Path home = Path.of(System.getProperty("lanyard.tomcatDistDir")).resolve("apache-tomcat-" + version);
        Path jar = Path.of(System.getProperty("lanyard.tomcatJar"));
        Path work = Path.of(System.getProperty("lanyard.workDir")).resolve("tomcat-manager-" + version);
        TomcatDistributionIT.deleteTree(work);
        Path webapp = TomcatDistributionIT.buildWebapp(work.resolve("webapp"));
        int[] ports = {RedisServer.freePort(), RedisServer.freePort()};
        List<Path> bases = List.of(base(home, work, jar, webapp, ports[0], "a", app, true),
                base(home, work, jar, webapp, ports[1], "b", app, false));
        List<Process> processes = new ArrayList<>();
        try {
            for (Path base : bases) {
                processes.add(TomcatDistributionIT.start(home, base));
            }
            for (int i = 0; i < 2; i++) {
                TomcatDistributionIT.awaitUp(ports[i], processes.get(i), bases.get(i));
            }
            String a = "http://127.0.0.1:" + ports[0];
            String b = "http://127.0.0.1:" + ports[1];
            check(a, b, app);
        } finally {
            for (Process p : processes) {
                TomcatDistributionIT.stop(p);
            }
        }
        for (Path base : bases) {
            String out = Files.readString(base.resolve("logs/catalina.out"), StandardCharsets.UTF_8);
            assertTrue(!out.contains("SEVERE") && !out.contains("Lanyard: a session save failed"), "in " + base + ":\n" + out);
        }
    }

    private void check(String a, String b, String app) {
        List<Browser> onA = new ArrayList<>();
        List<Browser> onB = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Browser user = new Browser();
            String node = i < 4 ? a : b;
            user.get(node + "/app/s/set?name=user&value=user" + i);
            user.get(node + "/app/s/cart-add?item=apple");
            (i < 4 ? onA : onB).add(user);
        }
        onA.get(0).get(b + "/app/s/invalidate"); // b invalidates a session created on a
        onB.get(0).get(a + "/app/s/invalidate"); // and a one created on b
        Set<String> live = sessionIdsInRedis(app);
        assertEquals(5, live.size(), live.toString());

        for (String node : List.of(a, b)) {
            String list = text(node, "/manager/text/list");
            assertTrue(list.lines().anyMatch(l -> l.equals("/app:running:5:app")), node + " lists the 5 sessions in Redis:\n" + list);
            assertTrue(text(node, "/manager/text/sessions?path=/app").contains("Inactive for [<1] minutes: [5] sessions"),
                    "the idle-time histogram of the sessions of both nodes");
        }
        awaitMBean(List.of(a, b), "activeSessions", "5");
        awaitMBean(List.of(a, b), "sessionCounter", "7");

        // The HTML manager of node b: the list, one session's attributes, invalidate one.
        ManagerPages html = new ManagerPages(b);
        String page = html.get("/manager/html/sessions?path=/app");
        assertTrue(page.contains("5 active Sessions"), page);
        String shown = onA.get(1).sessionId();
        assertTrue(page.contains(shown + ".b"), "a session created on a, listed on b:\n" + page);
        String detail = html.get("/manager/html/sessions?path=/app&action=sessionDetail&sessionId=" + shown + ".b");
        assertTrue(detail.contains("user1") && detail.contains("cart"), "its attributes, read when shown:\n" + detail);
        String invalidated = html.post("/manager/html/sessions", "path=/app&action=invalidateSessions&sessionIds=" + shown + ".b");
        assertTrue(invalidated.contains("1 sessions invalidated."), invalidated);
        assertEquals(4, sessionIdsInRedis(app).size());
        assertEquals(List.of("destroyed " + shown + ".b cart=[apple]"), destroyed(b, shown), "listener once, on b, attributes readable");
        assertEquals(List.of(), destroyed(a, shown));

        // expire?idle=0 on node a expires the sessions of both nodes, each listener once, on a.
        Set<String> left = sessionIdsInRedis(app);
        assertTrue(text(a, "/manager/text/expire?path=/app&idle=0").contains("Inactive for [>0] minutes: [4] sessions were expired"));
        assertEquals(Set.of(), sessionIdsInRedis(app));
        for (String id : left) {
            assertEquals(List.of("destroyed " + id + ".a cart=[apple]"), destroyed(a, id), "listener of " + id + " once, on a");
            assertEquals(List.of(), destroyed(b, id));
        }
        assertTrue(text(b, "/manager/text/list").lines().anyMatch(l -> l.equals("/app:running:0:app")));
        awaitMBean(List.of(a, b), "activeSessions", "0");
        // 1 invalidated and 4 expired through the manager; the users' own invalidations are not expiries
        awaitMBean(List.of(a, b), "expiredSessions", "5");
    }

    /** A node's CATALINA_BASE with the distribution's manager webapp and a user for it. */
    private static Path base(Path home, Path work, Path jar, Path webapp, int port, String node, String app, boolean lineInApp)
            throws IOException {
        Path base = TomcatDistributionIT.createBase(home, work.resolve("base-" + node), jar, webapp, port, node, app, redis.uri());
        if (lineInApp) {
            Files.copy(home.resolve("conf/context.xml"), base.resolve("conf/context.xml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.createDirectories(base.resolve("webapps/app/META-INF"));
            Files.writeString(base.resolve("webapps/app/META-INF/context.xml"),
                    "<Context>\n" + TomcatDistributionIT.managerLine(redis.uri(), app, "") + "\n</Context>\n");
        }
        TomcatDistributionIT.copyTree(home.resolve("webapps/manager"), base.resolve("webapps/manager"));
        Files.writeString(base.resolve("conf/tomcat-users.xml"), "<tomcat-users>\n  <user username=\"" + USER + "\" password=\""
                + PASSWORD + "\" roles=\"manager-script,manager-gui,manager-jmx\"/>\n</tomcat-users>\n");
        return base;
    }

    /** The stored ids of the app's session hashes, found the operator's way (SCAN). */
    private static Set<String> sessionIdsInRedis(String app) {
        Set<String> ids = new TreeSet<>();
        try (Jedis jedis = redis.jedis()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, new ScanParams().match("lanyard:" + app + ":s:*").count(1000));
                page.getResult().forEach(k -> ids.add(k.substring(k.indexOf('{') + 1, k.length() - 1)));
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return ids;
    }

    /** The {@code sessionDestroyed} lines a node's test listener recorded for session {@code id}. */
    private static List<String> destroyed(String node, String id) {
        return new Browser().get(node + "/app/s/events").lines().filter(l -> l.startsWith("destroyed " + id + "."))
                .map(l -> l.replaceFirst(" \\S+ cart=", " cart=")).toList();
    }

    /**
     * Polls the Manager MBean's attribute on every node until each shows {@code value}: a read
     * refreshes a node's figures when they are older than 5 s, and adds that node's counts.
     */
    private static void awaitMBean(List<String> nodes, String attribute, String value) {
        String url = "/manager/jmxproxy/?get=" + URLEncoder.encode(MBEAN, StandardCharsets.UTF_8) + "&att=" + attribute;
        String expected = attribute + " = " + value;
        Await.until(Duration.ofSeconds(60), () -> MBEAN + " " + expected + " on " + nodes + ": "
                + nodes.stream().map(n -> text(n, url)).toList(), () -> {
                    boolean all = true;
                    for (String node : nodes) {
                        all &= text(node, url).contains(expected);
                    }
                    return all;
                });
    }

    private static String text(String node, String path) {
        return new ManagerPages(node).get(path);
    }

    /** The manager webapp over HTTP: basic auth, its own session cookie, and the HTML pages' CSRF nonce. */
    private static final class ManagerPages {
        private static final HttpClient HTTP = HttpClient.newHttpClient();
        private static final Pattern COOKIE = Pattern.compile("JSESSIONID=([^;]*)");
        private static final Pattern NONCE = Pattern.compile("org\\.apache\\.catalina\\.filters\\.CSRF_NONCE=([0-9A-F]+)");
        private final String node;
        private String cookie;
        private String nonce;

        ManagerPages(String node) {
            this.node = node;
        }

        String get(String path) {
            if (path.startsWith("/manager/html/") && nonce == null) {
                send("/manager/html/list", null); // the entry point hands out the first nonce
            }
            return send(withNonce(path), null);
        }

        String post(String path, String form) {
            return send(withNonce(path), form);
        }

        private String withNonce(String path) {
            return nonce == null ? path : path + (path.contains("?") ? "&" : "?") + "org.apache.catalina.filters.CSRF_NONCE=" + nonce;
        }

        private String send(String path, String form) {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(node + path)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
            if (cookie != null) {
                r.header("Cookie", "JSESSIONID=" + cookie);
            }
            if (form != null) {
                r.header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
            }
            try {
                HttpResponse<String> response = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
                response.headers().allValues("Set-Cookie").forEach(h -> {
                    Matcher m = COOKIE.matcher(h);
                    if (m.find()) {
                        cookie = m.group(1);
                    }
                });
                Matcher m = NONCE.matcher(response.body());
                if (m.find()) {
                    nonce = m.group(1);
                }
                assertEquals(200, response.statusCode(), path + ": " + response.body());
                return response.body();
            } catch (IOException e) {
                throw new IllegalStateException(path + " failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
