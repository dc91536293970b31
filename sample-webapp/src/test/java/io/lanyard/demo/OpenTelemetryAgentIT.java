package io.lanyard.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.lanyard.testsupport.Await;
import io.lanyard.testsupport.RedisServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The README's OpenTelemetry configuration, run as written: the demo (shop.war on Tomcat and
 * Jetty behind the balancer) in its own JVM with the OpenTelemetry Java agent,
 * {@code -Dotel.jmx.config=docs/monitoring/otel-jmx.yaml} and the logging exporter; after real
 * requests, every metric the rules file defines is exported for both nodes' stores, with values
 * that match the requests.
 */
class OpenTelemetryAgentIT {
    private static final Pattern READY_URL = Pattern.compile(Pattern.quote(DemoLauncher.READY) + " open (\\S+)");
    /** One exported data point of the logging exporter: its metric name, then its points' attributes and values. */
    private static final Pattern METRIC = Pattern.compile("name=([a-z0-9._]+), description=");
    private static final Pattern POINT = Pattern.compile("attributes=\\{([^}]*)}, value=([0-9.E-]+)");
    private static final int VIEWS = 6;

    private static String required(String property) {
        return Objects.requireNonNull(System.getProperty(property), "system property " + property);
    }

    @Test
    void theAgentExportsEveryRuleForBothNodes() throws Exception {
        Path rules = Path.of(required("monitoring.dir"), "otel-jmx.yaml");
        Path log = Path.of(required("demo.classes")).getParent().resolve("otel-agent-it.log");
        try (RedisServer redis = RedisServer.start()) {
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-javaagent:" + required("otel.javaagent"),
                    "-Dotel.jmx.config=" + rules,
                    "-Dotel.metrics.exporter=logging", "-Dotel.traces.exporter=none", "-Dotel.logs.exporter=none",
                    "-Dotel.metric.export.interval=1000", "-Dotel.service.name=lanyard-demo",
                    "-cp", required("demo.classes") + File.pathSeparator
                            + Files.readString(Path.of(required("demo.classpath.file"))).trim(),
                    "io.lanyard.demo.DemoLauncher",
                    "--war", required("shop.war"), "--tomcat-adapter", required("demo.tomcat.adapter"),
                    "--port", "0", "--redis-uri", redis.uri());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("LANYARD_REDIS_URI");
            pb.environment().remove("REDIS_URL");
            Process demo = pb.start();
            try {
                String shop = Await.untilNonNull(Duration.ofSeconds(240), () -> "the demo is ready:\n" + tail(log), () -> {
                    Matcher m = READY_URL.matcher(read(log));
                    if (m.find()) {
                        return m.group(1);
                    }
                    if (!demo.isAlive()) {
                        fail("the demo exited with " + demo.exitValue() + ":\n" + read(log));
                    }
                    return null;
                });
                browse(shop.endsWith("/") ? shop : shop + "/");
                Set<String> expected = metricNames(rules);
                // Both nodes' stores: each counts its share of the round-robin page views plus the creation.
                Await.until(Duration.ofSeconds(120), () -> "every rule's metric for both nodes, requests counted:\n" + tail(log),
                        () -> exported(read(log), expected));
            } finally {
                demo.destroy();
                if (!demo.waitFor(60, TimeUnit.SECONDS)) {
                    demo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Creates a session through the balancer, then views a page with it VIEWS times (round robin: both nodes). */
    private static void browse(String shop) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> saved = http.send(HttpRequest.newBuilder(URI.create(shop + "preferences"))
                .header("Content-Type", "application/x-www-form-urlencoded").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString("currency=EUR")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, saved.statusCode(), saved.body());
        String cookie = saved.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElse(null);
        assertNotNull(cookie);
        for (int i = 0; i < VIEWS; i++) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(shop + "preferences"))
                    .header("Cookie", cookie).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), page.body());
        }
    }

    /** Every metric name the rules file defines: prefix plus each mapping's metric. */
    private static Set<String> metricNames(Path rules) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        try (InputStream in = Files.newInputStream(rules)) {
            Map<String, Object> config = new Yaml().load(in);
            for (Object o : (List<?>) config.get("rules")) {
                Map<?, ?> rule = (Map<?, ?>) o;
                for (Object mapping : ((Map<?, ?>) rule.get("mapping")).values()) {
                    names.add(rule.get("prefix") + (String) ((Map<?, ?>) mapping).get("metric"));
                }
            }
        }
        assertFalse(names.isEmpty());
        return names;
    }

    /**
     * True when the log's latest export has every expected metric with a point of each node's
     * store, the breaker closed on both, and the session requests of both nodes adding up to the
     * requests made.
     */
    private static boolean exported(String log, Set<String> expected) {
        Map<String, List<String[]>> latest = new java.util.HashMap<>();
        Matcher m = METRIC.matcher(log);
        while (m.find()) {
            int end = log.indexOf('\n', m.end());
            String line = log.substring(m.end(), end < 0 ? log.length() : end);
            List<String[]> points = new ArrayList<>();
            Matcher p = POINT.matcher(line);
            while (p.find()) {
                points.add(new String[]{p.group(1), p.group(2)});
            }
            latest.put(m.group(1), points);
        }
        for (String name : expected) {
            List<String[]> points = latest.get(name);
            if (points == null || points.stream().noneMatch(pt -> pt[0].contains("context=\"/shop\""))
                    || points.stream().noneMatch(pt -> pt[0].contains("context=\"shop\""))) {
                return false;
            }
        }
        long closed = latest.get("lanyard.redis.breaker").stream()
                .filter(pt -> pt[0].contains("state=\"closed\"") && Double.parseDouble(pt[1]) == 1).count();
        double requests = latest.get("lanyard.session.requests").stream().mapToDouble(pt -> Double.parseDouble(pt[1])).sum();
        return closed == 2 && requests >= 1 + VIEWS;
    }

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private static String tail(Path log) {
        try {
            String text = read(log);
            return text.substring(Math.max(0, text.length() - 20_000));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
