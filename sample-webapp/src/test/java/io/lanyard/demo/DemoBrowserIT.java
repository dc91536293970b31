package io.lanyard.demo;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Drives the demo topology with a real headless Chromium: the launcher runs as its own process, started the
 * same way demo.sh starts it (only with free ports and the test's own Redis), and the browser talks to the
 * round-robin balancer only. Every page carries the facts it was rendered with as data attributes on
 * {@code <body>} (node, session id prefix, user, cart count, currency, theme), which the test checks on every
 * page it sees.
 */
class DemoBrowserIT {
    private static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("chromedriver.binary", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern READY_URL = Pattern.compile("Lanyard demo ready: open (http://\\S+)");
    private static final String TOMCAT = "tomcat-1";
    private static final String JETTY = "jetty-1";

    private static RedisServer redis;
    private static Process demo;
    private static Path demoLog;
    /** Each browser's own profile (cookies): deleted after the test. */
    private static final List<Path> userDataDirs = new ArrayList<>();
    private static WebDriver browser;
    private static String shopUrl;

    @BeforeEach
    void startDemoAndBrowser() throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String hint = "DemoBrowserIT skipped: Chromium or chromedriver not found (" + CHROMIUM + ", " + CHROMEDRIVER
                + "); install them with: apt-get install -y chromium chromium-driver";
        if (!installed) {
            System.err.println(hint);
        }
        assumeTrue(installed, hint);
        redis = RedisServer.start();
        shopUrl = startDemo(redis.uri());
        browser = startBrowser();
    }

    @AfterEach
    void stopAll() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            try {
                stopDemo();
            } finally {
                if (redis != null) {
                    redis.close();
                }
                for (Path dir : userDataDirs) {
                    deleteTree(dir);
                }
                userDataDirs.clear();
            }
        }
    }

    @Test
    void signInPreferencesAndCartFollowTheUserAcrossTomcatAndJetty() throws Exception {
        Set<String> nodesSeen = new LinkedHashSet<>();

        open(shopUrl);
        Facts anonymous = facts();
        assertEquals("", anonymous.user, "nobody signed in yet");
        nodesSeen.add(anonymous.node);

        // Sign in (rotates the session id).
        clickAndWait(By.id("sign-in"));
        browser.findElement(By.id("username")).sendKeys("alice");
        browser.findElement(By.id("password")).sendKeys("demo");
        clickAndWait(By.id("login"));
        Facts signedIn = facts();
        assertEquals("alice", signedIn.user);
        assertFalse(signedIn.session.isEmpty(), "a session after signing in");
        String session = signedIn.session;
        nodesSeen.add(signedIn.node);

        // A preference, saved on one node, rendered by the next.
        open(shopUrl + "preferences");
        browser.findElement(By.id("currency-usd")).click();
        browser.findElement(By.id("theme-dark")).click();
        clickAndWait(By.id("save-preferences"));
        Facts prefs = expect(session, 0);
        nodesSeen.add(prefs.node);

        // Three items, the adding requests alternating Tomcat, Jetty, Tomcat. The balancer is strict round robin
        // per request, so the POST goes to the node that did NOT render the page the button is on.
        String[] skus = {"LAN-001", "MUG-002", "TEE-003"};
        String[] handlers = {TOMCAT, JETTY, TOMCAT};
        for (int i = 0; i < skus.length; i++) {
            Facts before = openCatalogueRenderedBy(other(handlers[i]), session, i);
            nodesSeen.add(before.node);
            clickAndWait(By.cssSelector("#product-" + skus[i] + " button.add"));
            Facts after = expect(session, i + 1);
            nodesSeen.add(after.node);
            assertEquals(handlers[i], browser.findElement(By.id("flash")).getAttribute("data-handled-by"),
                    "item " + (i + 1) + " was added by the expected node");
        }
        screenshot(Path.of(System.getProperty("shop.screenshot", "target/shop-final.png")).resolveSibling("shop-catalogue.png").toString());

        // Change a quantity in place: the mug line becomes 2 (4 items in all).
        open(shopUrl + "cart");
        WebElement qty = browser.findElement(By.cssSelector("tr[data-sku='MUG-002'] input[name=quantity]"));
        qty.clear();
        qty.sendKeys("2");
        clickAndWait(By.cssSelector("tr[data-sku='MUG-002'] button"));
        expect(session, 4);
        List<String> expectedLines = List.of("LAN-001=1", "MUG-002=2", "TEE-003=1");
        assertEquals(expectedLines, cartLines());

        // Reload many times: the balancer alternates nodes, nothing changes.
        for (int i = 0; i < 12; i++) {
            browser.navigate().refresh();
            Facts f = expect(session, 4);
            nodesSeen.add(f.node);
            assertEquals(expectedLines, cartLines(), "cart after reload " + (i + 1) + " on " + f.node);
            assertTrue(browser.findElement(By.id("cart-total")).getText().startsWith("$"), "prices in USD");
        }
        assertEquals(Set.of(TOMCAT, JETTY), nodesSeen, "both nodes served pages");

        // Check out; the order is confirmed by a queue worker on one of the nodes and pushed over Pub/Sub.
        clickAndWait(By.id("checkout"));
        Facts order = facts();
        assertEquals("alice", order.user);
        assertEquals(session, order.session);
        assertEquals(0, order.cartCount, "the cart is emptied by checkout");
        new WebDriverWait(browser, WAIT).until(
                ExpectedConditions.textToBe(By.id("order-status"), "CONFIRMED"));
        String processedBy = browser.findElement(By.id("processed-by")).getText();
        assertTrue(processedBy.equals(TOMCAT) || processedBy.equals(JETTY), "processed by a node: " + processedBy);
        assertTrue(browser.findElement(By.id("order-total")).getText().startsWith("$"), "order total in USD");
        screenshot(System.getProperty("shop.screenshot", "target/shop-final.png"));
    }

    @Test
    void signingOutTheOtherDeviceEndsItsSessionOnTheOtherContainerAtOnce() throws Exception {
        WebDriver laptop = startBrowser(); // a second browser: its own profile, its own cookies
        try {
            signIn(browser, "carol");
            signIn(laptop, "carol");

            open(shopUrl + "account/sessions");
            List<WebElement> rows = browser.findElements(By.cssSelector(".session-row"));
            assertEquals(2, rows.size(), "both devices listed");
            assertEquals(1, browser.findElements(By.cssSelector(".session-row[data-this='true']")).size(), "this device marked");
            assertTrue(browser.findElement(By.cssSelector(".session-row[data-this='true']")).getText().contains("this device"));

            clickAndWait(By.id("sign-out-others"));
            assertTrue(browser.getCurrentUrl().contains("/shop/account/sessions"), "back on the page: " + browser.getCurrentUrl());
            String signedOutBy = browser.findElement(By.id("flash")).getAttribute("data-handled-by");
            assertEquals(1, browser.findElements(By.cssSelector(".session-row")).size(), "only this device is left");
            assertEquals("carol", facts().user, "this device stays signed in");

            // The laptop's very next page, served by the container that did NOT sign it out: signed out.
            String otherNode = other(signedOutBy);
            Set<String> nodesSeen = new LinkedHashSet<>();
            for (int attempt = 0; attempt < 6 && !nodesSeen.contains(otherNode); attempt++) {
                laptop.get(shopUrl);
                WebElement body = laptop.findElement(By.tagName("body"));
                nodesSeen.add(body.getAttribute("data-node"));
                assertEquals("", body.getAttribute("data-user"), "the laptop is signed out on " + body.getAttribute("data-node"));
            }
            assertTrue(nodesSeen.contains(otherNode), "the laptop reached " + otherNode + ": " + nodesSeen);
            laptop.get(shopUrl + "account/sessions");
            assertTrue(laptop.getCurrentUrl().contains("/shop/login"), "not signed in: to the sign-in page, " + laptop.getCurrentUrl());
        } finally {
            laptop.quit();
        }
    }

    /** Signs {@code driver} in as {@code user} on the sign-in page. */
    private void signIn(WebDriver driver, String user) {
        driver.get(shopUrl + "login");
        driver.findElement(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys("demo");
        clickAndWait(driver, By.id("login"));
        assertEquals(user, driver.findElement(By.tagName("body")).getAttribute("data-user"));
    }

    /** Reloads the catalogue until the node we need did NOT render it (bounded: round robin needs at most one). */
    private Facts openCatalogueRenderedBy(String node, String session, int cartCount) {
        for (int attempt = 0; attempt < 6; attempt++) {
            open(shopUrl);
            Facts f = expect(session, cartCount);
            if (f.node.equals(node)) {
                return f;
            }
        }
        return fail("the balancer never routed to " + node);
    }

    /** Asserts the page kept the user, session, preferences and cart size; returns its facts. */
    private Facts expect(String session, int cartCount) {
        Facts f = facts();
        String where = browser.getCurrentUrl() + " served by " + f.node;
        assertEquals("alice", f.user, "signed in on " + where);
        assertEquals(session, f.session, "same session on " + where);
        assertEquals("USD", f.currency, "currency preference on " + where);
        assertEquals("DARK", f.theme, "theme preference on " + where);
        assertEquals(cartCount, f.cartCount, "cart size on " + where);
        return f;
    }

    private Facts facts() {
        WebElement body = browser.findElement(By.tagName("body"));
        Facts f = new Facts(body.getAttribute("data-node"), body.getAttribute("data-session"),
                body.getAttribute("data-user"), Integer.parseInt(body.getAttribute("data-cart-count")),
                body.getAttribute("data-currency"), body.getAttribute("data-theme"));
        assertNotEquals("unknown", f.node, "every page names its node");
        return f;
    }

    private List<String> cartLines() {
        List<String> lines = new ArrayList<>();
        for (WebElement row : browser.findElements(By.cssSelector("#cart tr[data-sku]"))) {
            lines.add(row.getAttribute("data-sku") + "=" + row.getAttribute("data-quantity"));
        }
        return lines;
    }

    private record Facts(String node, String session, String user, int cartCount, String currency, String theme) {
    }

    private void open(String url) {
        browser.get(url);
    }

    /** Clicks something that navigates, and waits until the next page has replaced this one. */
    private void clickAndWait(By by) {
        clickAndWait(browser, by);
    }

    private static void clickAndWait(WebDriver browser, By by) {
        WebElement oldBody = null;
        for (int attempt = 1; ; attempt++) {
            try {
                oldBody = browser.findElement(By.tagName("body"));
                browser.findElement(by).click();
                break;
            } catch (org.openqa.selenium.WebDriverException e) {
                // Chromium sometimes reports the element's node as detached while the page it was
                // found on is still settling ("Node with given id does not belong to the document"
                // or a stale reference); the click did not happen, so finding it again is safe.
                boolean detached = e instanceof org.openqa.selenium.StaleElementReferenceException
                        || String.valueOf(e.getMessage()).contains("does not belong to the document");
                if (!detached || attempt == 3) {
                    throw e;
                }
            }
        }
        WebElement previous = oldBody;
        new WebDriverWait(browser, WAIT).until(d -> isGone(previous));
        new WebDriverWait(browser, WAIT).until(d -> d.findElements(By.id("node")).size() == 1);
    }

    /**
     * True once the element's page was replaced. Chromium reports a detached node either as a stale
     * reference or as "Node with given id does not belong to the document"; both mean gone.
     */
    private static boolean isGone(WebElement element) {
        try {
            element.isEnabled();
            return false;
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return true;
        } catch (org.openqa.selenium.WebDriverException e) {
            if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                return true;
            }
            throw e;
        }
    }

    private static String other(String node) {
        return node.equals(TOMCAT) ? JETTY : TOMCAT;
    }

    private void screenshot(String file) throws IOException {
        Path target = Path.of(file);
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.write(target, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    // --- demo process -------------------------------------------------------------------------------------

    private static String startDemo(String redisUri) throws Exception {
        String classpath = Files.readString(Path.of(required("demo.classpath.file"))).trim();
        Path target = Path.of(required("demo.classes")).getParent();
        demoLog = target.resolve("demo-it.log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", required("demo.classes") + File.pathSeparator + classpath,
                "io.lanyard.demo.DemoLauncher", // from target/demo-classes in its own JVM, as demo.sh runs it
                "--war", required("shop.war"),
                "--tomcat-adapter", required("demo.tomcat.adapter"),
                "--port", "0",
                "--redis-uri", redisUri);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(demoLog.toFile());
        pb.environment().remove("LANYARD_REDIS_URI");
        pb.environment().remove("REDIS_URL");
        demo = pb.start();
        String url = Await.untilNonNull(Duration.ofSeconds(180), () -> "the demo is ready:\n" + demoLogText(), () -> {
            Matcher m = READY_URL.matcher(Files.readString(demoLog, StandardCharsets.UTF_8));
            if (m.find()) {
                return m.group(1);
            }
            if (!demo.isAlive()) {
                fail("the demo launcher exited with " + demo.exitValue() + ":\n" + demoLogText());
            }
            return null;
        });
        return url.endsWith("/") ? url : url + "/";
    }

    private static String demoLogText() {
        try {
            return Files.readString(demoLog);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static void stopDemo() throws Exception {
        if (demo == null) {
            return;
        }
        demo.destroy(); // SIGTERM, like Ctrl-C: the launcher's shutdown hook stops everything
        if (!demo.waitFor(60, TimeUnit.SECONDS)) {
            demo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("the demo launcher did not stop within 60 s:\n" + Files.readString(demoLog));
        }
        String log = Files.readString(demoLog);
        assertTrue(log.contains("Lanyard demo stopped."), "clean stop:\n" + log);
        assertFalse(log.contains("Lanyard demo: stopping"), "no part failed to stop:\n" + log);
    }

    /** A new Chromium with its own profile: its own cookies, as a second device of the same user. */
    private static WebDriver startBrowser() throws IOException {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString()); // no Selenium Manager lookup
        Path userDataDir = Files.createTempDirectory("lanyard-chromium");
        userDataDirs.add(userDataDir);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1280,900",
                "--user-data-dir=" + userDataDir);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT);
        return driver;
    }

    private static String required(String property) {
        String v = System.getProperty(property);
        if (v == null) {
            throw new IllegalStateException("system property " + property + " is not set (run through Maven failsafe)");
        }
        return v;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
