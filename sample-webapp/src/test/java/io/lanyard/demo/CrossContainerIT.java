package io.lanyard.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.jetty.JettyNode;
import io.lanyard.jetty.RedisSessionDataStore;
import io.lanyard.jetty.testapp.AccountServlet;
import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.RedisServer;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.ZipFile;
import org.apache.catalina.Context;
import org.apache.catalina.Manager;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * One embedded Tomcat 11 node ({@code RedisSessionManager}) and one embedded Jetty 12 ee10 node
 * ({@link RedisSessionDataStore}) serving the same plain servlet at {@code /shop} with the same
 * {@code allowedClasses}, on one Redis: a session moves between the two containers in both
 * directions with the same {@code JSESSIONID} cookie, through the same hash
 * {@code lanyard:shop:s:{<id>}}.
 *
 * <p>Each node runs what it runs in production, as in the demo: the Tomcat node the drop-in jar
 * ({@code lanyard-tomcat.jar}, with its shaded copy of the core) in its own {@link AdapterClassLoader},
 * the Jetty node the plain {@code lanyard-session-core} from the class path;
 * {@link #tomcatRunsTheDropInJarAndJettyThePlainCore()} checks that split. {@code JettyNode} and the
 * servlet are the Jetty adapter's test helpers (its test-jar), not the demo's {@code JettyNode}.
 */
class CrossContainerIT {
    private static final String ALLOWED = "io.lanyard.jetty.testapp.**";
    private static final String PRINCIPAL_FIELD = "a:io.lanyard.tomcat.principal";
    /** The drop-in jar, as demo.sh uses it (failsafe sets the property; see the POM). */
    private static final Path ADAPTER_JAR = Path.of(Objects.requireNonNull(System.getProperty("demo.tomcat.adapter"),
            "system property demo.tomcat.adapter"));

    private static RedisServer redis;
    private static Path tomcatBase;
    private static AdapterClassLoader adapterLoader;
    private static Manager tomcatManager;
    private static Tomcat tomcat;
    private static JettyNode jetty;
    private static Jedis jedis;

    @BeforeAll
    static void start() throws Exception {
        try {
            redis = RedisServer.start();
            jedis = redis.jedis();
            tomcat = startTomcat(redis.uri());
            jetty = JettyNode.start("jetty", redis.uri(), f -> {
                f.setAllowedClasses(ALLOWED);
                f.set("principalAttribute", TomcatNode.SHOP_USER_ATTRIBUTE); // as the Tomcat side (TomcatNode)
            });
            // As Tomcat's default, so sessions created on Jetty get a TTL in Redis too.
            jetty.context.getSessionHandler().setMaxInactiveInterval(1800);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (jetty != null) {
                jetty.close();
            }
        } finally {
            try {
                if (tomcat != null) {
                    tomcat.stop();
                    tomcat.destroy();
                }
            } finally {
                try {
                    if (adapterLoader != null) {
                        adapterLoader.close();
                    }
                    if (jedis != null) {
                        jedis.close();
                    }
                    if (redis != null) {
                        redis.close();
                    }
                } finally {
                    RedisServer.deleteTree(tomcatBase);
                }
            }
        }
    }

    private static Tomcat startTomcat(String redisUri) throws Exception {
        tomcatBase = Files.createTempDirectory("lanyard-cross-tomcat");
        Tomcat t = new Tomcat();
        t.setBaseDir(tomcatBase.toString());
        t.setPort(0);
        t.getConnector().setProperty("address", "127.0.0.1");
        t.addUser("alice", "wonderland"); // the test realm for request.login
        t.addRole("alice", "admin");
        Context context = t.addContext("/shop", Files.createDirectories(tomcatBase.resolve("shop")).toString());
        context.addParameter("node", "tomcat");
        adapterLoader = new AdapterClassLoader(ADAPTER_JAR, CrossContainerIT.class.getClassLoader());
        tomcatManager = TomcatNode.redisSessionManager(adapterLoader, redisUri, ALLOWED, "tomcat");
        context.setManager(tomcatManager);
        Tomcat.addServlet(context, "s", new SessionServlet());
        context.addServletMapping("/s", "s");
        Tomcat.addServlet(context, "account", new AccountServlet());
        context.addServletMapping("/account/*", "account");
        context.addApplicationListener(SessionServlet.Listener.class.getName());
        try {
            t.start();
        } catch (Exception e) {
            t.destroy();
            throw e;
        }
        return t;
    }

    private static JettyNode.Reply onTomcat(String query, String cookie) throws IOException, InterruptedException {
        return JettyNode.Reply.get(tomcat.getConnector().getLocalPort(), "/shop/s?" + query, cookie);
    }

    private static JettyNode.Reply onJetty(String query, String cookie) throws IOException, InterruptedException {
        return jetty.get(query, cookie);
    }

    private static String body(JettyNode.Reply reply) {
        assertEquals(200, reply.status(), reply.body());
        return reply.body();
    }

    private static String key(String id) {
        return "lanyard:shop:s:{" + id + "}";
    }

    private static String lastWriter(String id) {
        return jedis.hget(key(id), "node");
    }

    @Test
    void tomcatRunsTheDropInJarAndJettyThePlainCore() throws Exception {
        URL dropIn = location(tomcatManager.getClass());
        assertEquals(ADAPTER_JAR.toUri().toURL(), dropIn, "the manager comes from the drop-in jar");
        // Both jars hold the core; each node must use its own copy, and the whole of it, never half from each.
        List<String> shared = sharedClassNames(ADAPTER_JAR);
        assertFalse(shared.isEmpty(), "the drop-in jar holds the core");
        ClassLoader jettySide = RedisSessionDataStore.class.getClassLoader();
        Set<URL> jettyCore = new HashSet<>();
        for (String name : shared) {
            assertEquals(dropIn, location(Class.forName(name, false, adapterLoader)), name + " on the Tomcat node");
            jettyCore.add(location(Class.forName(name, false, jettySide)));
        }
        assertEquals(1, jettyCore.size(), "the Jetty node's core comes from one jar: " + jettyCore);
        assertNotEquals(dropIn, jettyCore.iterator().next(), "the Jetty node's core is not the drop-in jar's copy");
        // Except the application API, which both nodes' webapps see as one class (from the class path, as a real
        // Tomcat's webapps see $CATALINA_BASE/lib): the Tomcat node's core implements that one.
        Class<?> api = Class.forName("io.lanyard.api.SessionControl", false, adapterLoader);
        assertEquals(Class.forName("io.lanyard.api.SessionControl", false, jettySide), api);
        assertTrue(api.isAssignableFrom(Class.forName("io.lanyard.core.PrincipalIndex", false, adapterLoader)));
    }

    private static URL location(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }

    /**
     * The Lanyard classes the drop-in jar shares with session-core: all but the adapter's own, the shaded libraries
     * and the application API.
     */
    private static List<String> sharedClassNames(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("io/lanyard/") && n.endsWith(".class"))
                    .filter(n -> !n.startsWith("io/lanyard/tomcat/") && !n.startsWith("io/lanyard/shaded/")
                            && !n.startsWith("io/lanyard/api/"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.'))
                    .toList();
        }
    }

    @Test
    void sessionCreatedOnTomcatIsUsedOnJettyAndBack() throws Exception {
        JettyNode.Reply created = onTomcat("op=create&name=user&value=alice", null);
        String cookie = created.setCookie();
        assertNotNull(cookie, "Tomcat sets JSESSIONID");
        assertEquals(cookie, body(created), "no jvmRoute: the cookie is the id");
        assertTrue(jedis.exists(key(cookie)), "Tomcat wrote " + key(cookie));
        assertEquals("tomcat", lastWriter(cookie));

        // The same cookie on Jetty: Jetty finds the session and only adds its worker suffix.
        JettyNode.Reply onJetty = onJetty("op=get&name=user", cookie);
        assertEquals("alice", body(onJetty));
        assertEquals(cookie + ".node0", onJetty.setCookie(), "Jetty re-sets the cookie with its worker name");

        assertEquals("[apple]", body(onJetty("op=cart&value=apple", cookie)));
        assertEquals("jetty", lastWriter(cookie), "Jetty wrote the same hash");
        assertEquals("[apple, pear]", body(onTomcat("op=cart&value=pear", cookie)), "in place on Tomcat");
        assertEquals("tomcat", lastWriter(cookie));
        assertEquals("[apple, pear, fig]", body(onJetty("op=cart&value=fig", cookie)), "in place on Jetty");
        assertEquals("jetty", lastWriter(cookie));
        assertEquals("[apple, pear, fig]", body(onTomcat("op=get&name=cart", cookie)), "Jetty's in-place change on Tomcat");
        assertEquals("ok", body(onJetty("op=set&name=theme&value=dark", cookie)));
        assertEquals("dark", body(onTomcat("op=get&name=theme", cookie)));
        // The cookie as the browser now holds it (after Jetty's re-set) works on Tomcat as well.
        assertEquals("[cart, theme, user]", body(onTomcat("op=names", cookie + ".node0")));
        assertFalse(jedis.exists(key(cookie + ".node0")), "the suffix never reaches a key");
    }

    @Test
    void sessionCreatedOnJettyIsUsedOnTomcatAndBack() throws Exception {
        JettyNode.Reply created = onJetty("op=create&name=user&value=bob", null);
        String cookie = created.setCookie();
        assertNotNull(cookie, "Jetty sets JSESSIONID");
        assertTrue(cookie.endsWith(".node0"), cookie);
        String id = body(created);
        assertEquals(id + ".node0", cookie);
        assertTrue(jedis.exists(key(id)), "Jetty wrote " + key(id));
        assertEquals("jetty", lastWriter(id));
        assertTrue(jedis.ttl(key(id)) > 0, "the hash has a TTL");

        // The same cookie, suffix and all, on Tomcat: Tomcat strips ".node0".
        assertEquals("bob", body(onTomcat("op=get&name=user", cookie)));
        assertEquals("[apple]", body(onTomcat("op=cart&value=apple", cookie)));
        assertEquals("tomcat", lastWriter(id), "Tomcat wrote the same hash");
        assertEquals("[apple, pear]", body(onJetty("op=cart&value=pear", cookie)), "in place on Jetty");
        assertEquals("jetty", lastWriter(id));
        assertEquals("[apple, pear, fig]", body(onTomcat("op=cart&value=fig", cookie)), "in place on Tomcat");
        assertEquals("tomcat", lastWriter(id));
        assertEquals("[apple, pear, fig]", body(onJetty("op=get&name=cart", cookie)), "Tomcat's in-place change on Jetty");
        assertEquals("ok", body(onTomcat("op=set&name=theme&value=light", cookie)));
        assertEquals("light", body(onJetty("op=get&name=theme", cookie)));
        assertFalse(jedis.exists(key(cookie)), "the suffix never reaches a key");
    }

    @Test
    void invalidateOnTomcatEndsTheSessionOnJetty() throws Exception {
        String cookie = onJetty("op=create&name=user&value=carol", null).setCookie();
        String id = cookie.substring(0, cookie.indexOf('.'));
        assertEquals("carol", body(onTomcat("op=get&name=user", cookie)));
        assertEquals("ok", body(onTomcat("op=invalidate", cookie)));
        assertFalse(jedis.exists(key(id)));
        assertEquals(404, onJetty("op=get&name=user", cookie).status(), "gone on Jetty");
        assertEquals(404, onTomcat("op=get&name=user", cookie).status(), "gone on Tomcat");
    }

    @Test
    void invalidateOnJettyEndsTheSessionOnTomcat() throws Exception {
        String cookie = onTomcat("op=create&name=user&value=dave", null).setCookie();
        assertEquals("dave", body(onJetty("op=get&name=user", cookie)));
        assertEquals("ok", body(onJetty("op=invalidate", cookie)));
        assertFalse(jedis.exists(key(cookie)));
        assertEquals(404, onTomcat("op=get&name=user", cookie).status(), "gone on Tomcat");
        assertEquals(404, onJetty("op=get&name=user", cookie).status(), "gone on Jetty");
    }

    @Test
    void tomcatLoginIsHiddenOnJettyAndSurvivesJettySaves() throws Exception {
        String before = onTomcat("op=create&name=user&value=alice", null).setCookie();
        assertNotNull(before);
        JettyNode.Reply login = onTomcat("op=login&name=alice&value=wonderland", before);
        assertEquals("alice", body(login));
        String cookie = login.setCookie();
        assertNotNull(cookie, "changeSessionIdOnAuthentication gives a new id");
        assertNotEquals(before, cookie);
        assertEquals("alice admin=true", body(onTomcat("op=user", cookie)));
        byte[] principal = jedis.hget(key(cookie).getBytes(StandardCharsets.UTF_8),
                PRINCIPAL_FIELD.getBytes(StandardCharsets.UTF_8));
        assertNotNull(principal, "Tomcat keeps the login in " + PRINCIPAL_FIELD);

        // Jetty does not see the reserved attribute ...
        assertEquals("[user]", body(onJetty("op=names", cookie)));
        assertEquals("null", body(onJetty("op=get&name=io.lanyard.tomcat.principal", cookie)));
        // ... and its saves (a new attribute, an in-place change) leave it as it was.
        assertEquals("ok", body(onJetty("op=set&name=theme&value=dark", cookie)));
        assertEquals("[apple]", body(onJetty("op=cart&value=apple", cookie)));
        assertEquals("[apple, pear]", body(onJetty("op=cart&value=pear", cookie)));
        assertEquals("jetty", lastWriter(cookie), "Jetty saved the session");
        assertArrayEquals(principal, jedis.hget(key(cookie).getBytes(StandardCharsets.UTF_8),
                PRINCIPAL_FIELD.getBytes(StandardCharsets.UTF_8)), "the principal field is untouched");
        assertEquals("[cart, theme, user]", body(onJetty("op=names", cookie)));

        // Back on Tomcat: still logged in, and Jetty's changes are there.
        assertEquals("alice admin=true", body(onTomcat("op=user", cookie)));
        assertEquals("[apple, pear]", body(onTomcat("op=get&name=cart", cookie)));
        assertEquals("[cart, theme, user]", body(onTomcat("op=names", cookie)));
    }

    @Test
    void signingOutOnOneContainerEndsTheSessionsOnTheOtherAtOnce() throws Exception {
        int tomcatPort = tomcat.getConnector().getLocalPort();
        String user = "op=create&name=" + TomcatNode.SHOP_USER_ATTRIBUTE + "&value=zoe";
        String get = "op=get&name=" + TomcatNode.SHOP_USER_ATTRIBUTE;
        String onTomcat = onTomcat(user, null).setCookie();
        String onJetty = onJetty(user, null).setCookie();
        assertEquals("1", body(JettyNode.Reply.get(tomcatPort, "/shop/account/sign-out-others?user=zoe", onTomcat)));
        assertEquals(404, onJetty(get, onJetty).status(), "signed out on Jetty by Tomcat, at once");
        assertEquals("zoe", body(onJetty(get, onTomcat)), "the session that signed out the others stays");

        String laptop = onTomcat(user, null).setCookie();
        assertEquals("1", body(JettyNode.Reply.get(jetty.port(), "/shop/account/sign-out-others?user=zoe", onTomcat)));
        assertEquals(404, onTomcat(get, laptop).status(), "signed out on Tomcat by Jetty, at once");
        // The last node is the one that last wrote the session's access: Jetty's request here writes
        // it only when the touch is due (touchIntervalSeconds), so either container may be named.
        String listed = body(JettyNode.Reply.get(jetty.port(), "/shop/account/sessions?user=zoe", onTomcat));
        assertTrue(listed.matches(java.util.regex.Pattern.quote(onTomcat.replaceAll("\\..*", "")) + " (tomcat|jetty) this"), listed);
    }
}
