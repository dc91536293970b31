package io.lanyard.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lanyard.testsupport.RedisServer;
import io.prometheus.jmx.JmxCollector;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The README's monitoring configuration against live nodes: shop.war on an embedded Tomcat (the
 * drop-in jar; its engine named {@code Catalina}, as in a distribution) and on an embedded Jetty,
 * one Redis, real requests; then the shipped rules files ({@code docs/monitoring}) read the
 * platform MBean server as the agents would: the Prometheus JMX exporter's own collector runs
 * {@code prometheus-jmx.yaml}, and every bean pattern and attribute of {@code otel-jmx.yaml} is
 * checked against the live MBeans.
 */
class MonitoringIT {
    private static final Path WAR = Path.of(Objects.requireNonNull(System.getProperty("shop.war"), "system property shop.war"));
    private static final Path ADAPTER_JAR = Path.of(Objects.requireNonNull(System.getProperty("demo.tomcat.adapter"),
            "system property demo.tomcat.adapter"));
    private static final Path RULES = Path.of(Objects.requireNonNull(System.getProperty("monitoring.dir"),
            "system property monitoring.dir"));
    /** Page views after the session was created, on each node. */
    private static final int VIEWS = 5;

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static RedisServer redis;
    private static Path work;
    private static TomcatNode tomcat;
    private static JettyNode jetty;

    @BeforeAll
    static void startNodesAndBrowse() throws Exception {
        redis = RedisServer.start();
        work = Files.createTempDirectory("lanyard-monitoring");
        tomcat = new TomcatNode("Catalina", "127.0.0.1", 0, WAR, ADAPTER_JAR, redis.uri(), work);
        jetty = new JettyNode("jetty", "127.0.0.1", 0, WAR, redis.uri(), work);

        // One user: the session is created on Tomcat, then viewed on both nodes.
        HttpResponse<String> saved = send(tomcat.port(), HttpRequest.newBuilder(uri(tomcat.port(), "/preferences"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("currency=EUR")), null);
        assertEquals(303, saved.statusCode(), saved.body());
        String cookie = saved.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("JSESSIONID="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElse(null);
        assertNotNull(cookie, "saving preferences created a session");
        for (int i = 0; i < VIEWS; i++) {
            for (int port : new int[]{tomcat.port(), jetty.port()}) {
                HttpResponse<String> page = send(port, HttpRequest.newBuilder(uri(port, "/preferences")), cookie);
                assertEquals(200, page.statusCode(), page.body());
                assertTrue(page.body().contains("value=\"EUR\" checked"), "the session's preferences on every node");
            }
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
                    tomcat.close();
                }
            } finally {
                if (redis != null) {
                    redis.close();
                }
                RedisServer.deleteTree(work);
            }
        }
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + "/shop" + path);
    }

    private static HttpResponse<String> send(int port, HttpRequest.Builder request, String cookie) throws Exception {
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ObjectName tomcatStore() throws Exception {
        return new ObjectName("Catalina:type=LanyardSessionStore,host=127.0.0.1,context=/shop");
    }

    private static ObjectName jettyStore() throws Exception {
        Set<ObjectName> names = SERVER.queryNames(new ObjectName("io.lanyard:type=LanyardSessionStore,context=shop,*"), null);
        assertEquals(1, names.size(), names.toString());
        return names.iterator().next();
    }

    private static long attribute(ObjectName bean, String name) throws Exception {
        return ((Number) SERVER.getAttribute(bean, name)).longValue();
    }

    /** One scrape as the javaagent serves it: the exporter's collector with the shipped rules, in Prometheus text format. */
    private static Map<String, Double> scrape() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        new JmxCollector(RULES.resolve("prometheus-jmx.yaml").toFile()).register(registry);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(text, registry.scrape());
        Map<String, Double> samples = new LinkedHashMap<>();
        for (String line : text.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    /** The value of the one sample named {@code name} whose labels include every {@code label}. */
    private static double sample(Map<String, Double> samples, String name, String... labels) {
        List<String> found = new ArrayList<>();
        for (String key : samples.keySet()) {
            if (key.startsWith(name + "{") && List.of(labels).stream().allMatch(key::contains)) {
                found.add(key);
            }
        }
        assertEquals(1, found.size(), name + " " + List.of(labels) + " among " + samples.keySet());
        return samples.get(found.get(0));
    }

    @Test
    void prometheusRulesExportBothContainersFigures() throws Exception {
        ObjectName onTomcat = tomcatStore();
        ObjectName onJetty = jettyStore();
        // Reading the cluster-wide figures may refresh them from Redis (at most every 5 s), and
        // RedisCommands counts those commands too: the scraped count lies between these and a read after.
        long tomcatCommandsBefore = attribute(onTomcat, "RedisCommands");
        long jettyCommandsBefore = attribute(onJetty, "RedisCommands");
        Map<String, Double> s = scrape();
        String tomcatLabels = "context=\"/shop\"";
        String tomcatHost = "host=\"127.0.0.1\"";
        String jettyLabels = "context=\"shop\"";

        // What the test did: one session created on Tomcat, VIEWS page views on each node.
        assertTrue(sample(s, "lanyard_session_requests_total", tomcatLabels, tomcatHost) >= 1 + VIEWS);
        assertTrue(sample(s, "lanyard_loads_total", tomcatLabels, tomcatHost) >= VIEWS);
        assertTrue(sample(s, "lanyard_saves_total", tomcatLabels, tomcatHost) >= 1);
        assertTrue(sample(s, "lanyard_loads_total", jettyLabels) >= VIEWS);
        assertTrue(sample(s, "lanyard_session_requests_total", jettyLabels) >= VIEWS);
        // The exported numbers are the bean's (no request ran since the scrape), durations in seconds.
        for (ObjectName bean : List.of(onTomcat, onJetty)) {
            String labels = bean.equals(onTomcat) ? tomcatLabels : jettyLabels;
            assertEquals(attribute(bean, "SessionRequests"), sample(s, "lanyard_session_requests_total", labels));
            double commands = sample(s, "lanyard_redis_commands_total", labels);
            long before = bean.equals(onTomcat) ? tomcatCommandsBefore : jettyCommandsBefore;
            assertTrue(commands >= before && commands <= attribute(bean, "RedisCommands"), before + " <= " + commands);
            assertEquals(attribute(bean, "LoadLatencyMaxMicros") / 1e6, sample(s, "lanyard_load_latency_max_seconds", labels), 1e-9);
            assertTrue(sample(s, "lanyard_load_latency_p99_seconds", labels) > 0);
            assertEquals(1.0, sample(s, "lanyard_breaker_state", labels, "state=\"CLOSED\""));
            assertEquals(0.0, sample(s, "lanyard_redis_down", labels));
            assertEquals(0.0, sample(s, "lanyard_outages_total", labels));
            assertEquals(0.0, sample(s, "lanyard_current_outage_seconds", labels));
            assertTrue(sample(s, "lanyard_redis_commands_per_request", labels) > 0);
            assertEquals(0.0, sample(s, "lanyard_refused_classes_total", labels));
        }
        // Tomcat's own Manager bean, as in a distribution (Catalina:type=Manager,host=..,context=..).
        assertTrue(sample(s, "tomcat_session_active_sessions", tomcatLabels, tomcatHost) >= 0);
        assertTrue(sample(s, "tomcat_session_max_active_sessions", tomcatLabels, tomcatHost) != 0,
                "the configured limit (-1: none)");
        assertFalse(s.keySet().stream().anyMatch(k -> k.contains("settings")), "no metric from the Settings table");
    }

    @Test
    void everyOpenTelemetryRuleNamesLiveBeansAndAttributes() throws Exception {
        Map<String, Object> config;
        try (InputStream in = Files.newInputStream(RULES.resolve("otel-jmx.yaml"))) {
            config = new Yaml().load(in);
        }
        List<?> rules = (List<?>) config.get("rules");
        assertFalse(rules.isEmpty());
        int attributes = 0;
        for (Object o : rules) {
            Map<?, ?> rule = (Map<?, ?>) o;
            Set<ObjectName> beans = SERVER.queryNames(new ObjectName((String) rule.get("bean")), null);
            assertTrue(beans.contains(tomcatStore()) && beans.contains(jettyStore()),
                    rule.get("bean") + " matches both nodes' beans: " + beans);
            for (ObjectName bean : beans) {
                Set<String> names = new java.util.HashSet<>();
                for (MBeanAttributeInfo a : SERVER.getMBeanInfo(bean).getAttributes()) {
                    names.add(a.getName());
                }
                for (Object attribute : ((Map<?, ?>) rule.get("mapping")).keySet()) {
                    assertTrue(names.contains(attribute), bean + " has attribute " + attribute);
                    Object value = SERVER.getAttribute(bean, (String) attribute);
                    assertTrue(value instanceof Number || "BreakerState".equals(attribute), attribute + " is a number: " + value);
                    attributes++;
                }
            }
            Map<?, ?> params = (Map<?, ?>) rule.get("metricAttribute");
            assertEquals("param(context)", params.get("context"));
        }
        assertTrue(attributes >= 2 * 30, "every figure on both nodes: " + attributes);
    }
}
