package com.example.shop.web;

import com.example.shop.orders.Orders;
import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.LogCapture;
import io.lanyard.testsupport.RedisServer;
import org.apache.catalina.Context;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * shop.war as users deploy it (a plain webapp: Tomcat's own in-memory sessions, no Lanyard) while the shop's own
 * Redis, the one its order queue uses, goes away and comes back: the order pages answer a 503 page with
 * {@code Retry-After} instead of the container's 500 with a stack trace, and the order worker and the status
 * subscriber each log one WARNING for the outage and one INFO when it is over, however often they retry. Also
 * the checkout form: posted twice, it places one order.
 */
class ShopRedisOutageIT {
    private static final Path WAR = Path.of(Objects.requireNonNull(System.getProperty("shop.war"), "system property shop.war"));
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    /** Held strongly while its level is raised: java.util.logging keeps loggers weakly. */
    private final Logger shopLogger = Logger.getLogger("com.example.shop");
    private RedisServer redis;
    private Tomcat tomcat;
    private Path base;
    private LogCapture log;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        base = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "shop-outage-");
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Files.createDirectories(base.resolve("webapps"));
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp("/shop", WAR.toString());
        if (context instanceof StandardContext standard) {
            // These two leak checks need --add-opens; the shop starts no ThreadLocals or RMI anyway.
            standard.setClearReferencesThreadLocals(false);
            standard.setClearReferencesRmiTargets(false);
        }
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false);
        context.setJarScanner(scanner);
        context.addParameter("lanyard.demo.node", "tomcat-1");
        context.addParameter("shop.redisUri", redis.uri());
        context.addParameter("shop.orderProcessingMillis", "0");
        log = LogCapture.of("com.example.shop");
        shopLogger.setLevel(Level.FINE); // the retries in between are logged at FINE: the proof that there were some
        tomcat.start();
        assertTrue(context.getState().isAvailable(), "shop.war started");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (tomcat != null) {
                tomcat.stop();
                tomcat.destroy();
            }
        } finally {
            shopLogger.setLevel(null);
            if (log != null) {
                log.close();
            }
            if (redis != null) {
                redis.close();
            }
            RedisServer.deleteTree(base);
        }
    }

    @Test
    void orderPagesAnswerA503PageWhileTheShopsRedisIsDownAndTheOutageIsLoggedOnce() throws Exception {
        assertEquals(303, post("/login", "username=alice&password=demo").statusCode());
        assertEquals(303, post("/cart/add", "sku=CAP-006&quantity=1").statusCode());
        String id = checkout();
        Await.until(PATIENCE, "the order is confirmed", () -> "CONFIRMED".equals(redis.call(j -> j.hget("shop:order:" + id, "status"))));

        redis.kill();
        assertEquals(303, post("/cart/add", "sku=CAP-006&quantity=1").statusCode(), "the cart needs no Redis of the shop's");
        HttpResponse<String> order = get("/order?id=" + id);
        assertUnavailablePage(order);
        HttpResponse<String> checkout = post("/checkout", "order=" + Orders.newId());
        assertUnavailablePage(checkout);
        assertTrue(checkout.body().contains("data-cart-count=\"1\""), "the cart of the failed checkout is kept: " + checkout.body());
        HttpResponse<String> status = get("/order/status?id=" + id + "&known=QUEUED");
        assertEquals(503, status.statusCode(), status.body());
        assertTrue(status.headers().firstValue("Retry-After").isPresent(), "503 with Retry-After: " + status.headers());
        assertTrue(status.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), status.headers().toString());

        // Both background loops retry every 2 s; wait until each has failed at least three times.
        Await.until(PATIENCE, () -> "several retries of the worker and the subscriber: " + log, () ->
                count(Level.FINE, "order worker tomcat-1") >= 2 && count(Level.FINE, "order status subscription") >= 2);
        assertEquals(1, count(Level.WARNING, "order worker tomcat-1"), "one WARNING for the outage: " + log);
        assertEquals(1, count(Level.WARNING, "order status subscription"), "one WARNING for the outage: " + log);
        assertEquals(2, log.messages(Level.WARNING).size(), log.toString());
        assertEquals(List.of(), log.messages(Level.SEVERE), log.toString());

        redis.restart();
        Await.until(PATIENCE, () -> "the recovery is logged: " + log, () ->
                count(Level.INFO, "order worker tomcat-1: Redis works again") == 1
                        && count(Level.INFO, "order status subscription: Redis works again") == 1);
        String again = checkout(); // the cart that could not be checked out during the outage
        Await.until(PATIENCE, "the order placed after the outage is confirmed",
                () -> "CONFIRMED".equals(redis.call(j -> j.hget("shop:order:" + again, "status"))));
        assertEquals(2, log.messages(Level.WARNING).size(), "nothing more at WARNING: " + log);
    }

    private static void assertUnavailablePage(HttpResponse<String> r) {
        assertEquals(503, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 with Retry-After: " + r.headers());
        assertTrue(r.body().contains("id=\"orders-unavailable\""), "the shop's own page: " + r.body());
        assertFalse(r.body().contains("Exception") || r.body().contains("\tat "), "no stack trace: " + r.body());
    }

    private long count(Level level, String prefix) {
        return log.messages(level).stream().filter(m -> m.startsWith(prefix)).count();
    }

    @Test
    void theSameCheckoutFormPostedTwicePlacesOneOrder() throws Exception {
        assertEquals(303, post("/login", "username=alice&password=demo").statusCode());
        assertEquals(303, post("/cart/add", "sku=CAP-006&quantity=1").statusCode());
        String form = formOrderId(get("/cart"));
        // A double click: the same form posted twice at once; each answer leads to the one order.
        ExecutorService clicks = Executors.newFixedThreadPool(2);
        try {
            Future<String> first = clicks.submit(() -> checkout(form));
            Future<String> second = clicks.submit(() -> checkout(form));
            assertEquals(form, first.get());
            assertEquals(form, second.get());
        } finally {
            clicks.shutdownNow();
        }
        assertEquals(form, checkout(form), "posted again later: the same order");
        assertEquals(1, redis.call(j -> j.keys("shop:order:*")).size(), "one order");
        assertTrue(get("/cart").body().contains("id=\"cart-empty\""), "the cart was emptied");
        HttpResponse<String> noId = post("/checkout", "");
        assertEquals(303, noId.statusCode(), "a form without an order id goes back to the cart");
        assertTrue(noId.headers().firstValue("Location").orElseThrow().endsWith("/shop/cart"), noId.headers().toString());
    }

    /** The order id the cart page put into its checkout form. */
    private static String formOrderId(HttpResponse<String> cartPage) {
        Matcher m = Pattern.compile("name=\"order\" value=\"([0-9a-f-]{36})\"").matcher(cartPage.body());
        assertTrue(m.find(), "the checkout form carries an order id: " + cartPage.body());
        return m.group(1);
    }

    /** Checks the cart out with a fresh order id; returns the id from the redirect to the order's page. */
    private String checkout() throws Exception {
        return checkout(Orders.newId());
    }

    private String checkout(String orderId) throws Exception {
        HttpResponse<String> placed = post("/checkout", "order=" + orderId);
        assertEquals(303, placed.statusCode(), placed.body());
        String location = placed.headers().firstValue("Location").orElseThrow();
        return location.substring(location.indexOf("id=") + 3);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(url(path)).timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(url(path)).timeout(PATIENCE)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/shop" + path);
    }
}
