package io.lanyard.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.testsupport.RedisServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

/**
 * shop.war on a container without Lanyard: an embedded Tomcat with its own session manager, whose
 * webapps cannot even load a class of {@code io.lanyard} (the test's class path has them, so the
 * webapp's parent class loader hides them). The shop works; its account page says it needs Lanyard.
 */
class ShopWithoutLanyardIT {
    private static final Path WAR = Path.of(Objects.requireNonNull(System.getProperty("shop.war"), "system property shop.war"));
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** The test's class loader without Lanyard: what a container that never heard of it offers its webapps. */
    static final class WithoutLanyard extends ClassLoader {
        WithoutLanyard(ClassLoader parent) {
            super("without-lanyard", parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.lanyard.")) {
                throw new ClassNotFoundException(name + " (hidden: no Lanyard here)");
            }
            return super.loadClass(name, resolve);
        }
    }

    @Test
    void theShopRunsAndItsAccountPageSaysItNeedsLanyard() throws Exception {
        Path base = Files.createTempDirectory("shop-without-lanyard");
        Tomcat tomcat = new Tomcat();
        RedisServer redis = RedisServer.start(); // the shop's own order queue
        try {
            tomcat.setBaseDir(base.toString());
            tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP engine here, and the shop needs no default servlet
            tomcat.setPort(0);
            tomcat.getConnector().setProperty("address", "127.0.0.1");
            Files.createDirectories(base.resolve("webapps"));
            Context context = tomcat.addWebapp("/shop", WAR.toString());
            context.setParentClassLoader(new WithoutLanyard(ShopWithoutLanyardIT.class.getClassLoader()));
            context.addParameter("shop.redisUri", redis.uri());
            context.addParameter("lanyard.demo.node", "plain-tomcat");
            tomcat.start();
            assertThrows(ClassNotFoundException.class, () -> Class.forName("io.lanyard.api.SessionControl", false,
                    context.getLoader().getClassLoader()), "the webapp cannot see Lanyard");
            String shop = "http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/shop";

            HttpResponse<String> anonymous = send(HttpRequest.newBuilder(URI.create(shop + "/account/sessions")), null);
            assertEquals(303, anonymous.statusCode());
            assertEquals("/shop/login?next=%2Fshop%2Faccount%2Fsessions", anonymous.headers().firstValue("Location").orElse(""),
                    "not signed in: to the sign-in page");

            HttpResponse<String> login = send(HttpRequest.newBuilder(URI.create(shop + "/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("username=alice&password=demo")), null);
            assertEquals(303, login.statusCode(), login.body());
            String cookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
                    .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElse(null);
            assertNotNull(cookie, "signing in set a session cookie");

            HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(shop + "/account/sessions")), cookie);
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.body().contains("id=\"needs-lanyard\"") && page.body().contains("This page needs Lanyard"), page.body());
            assertTrue(page.body().contains("data-user=\"alice\""), "still signed in: " + page.body());
            assertEquals(200, send(HttpRequest.newBuilder(URI.create(shop + "/")), cookie).statusCode(), "the catalogue");
        } finally {
            try {
                tomcat.stop(); // before Redis: the shop's order worker stops with the webapp
                tomcat.destroy();
            } finally {
                redis.close();
                RedisServer.deleteTree(base);
            }
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String cookie) throws Exception {
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
