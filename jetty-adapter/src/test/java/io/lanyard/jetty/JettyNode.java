package io.lanyard.jetty;

import io.lanyard.jetty.testapp.AccountServlet;
import io.lanyard.jetty.testapp.SessionServlet;
import io.lanyard.testsupport.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One embedded Jetty 12 (ee10) node with the test servlet at /shop/s and Lanyard as its store.
 * Public for the cross-container tests in sample-webapp, which use it from this module's test-jar.
 */
@SuppressWarnings("try") // close() is Jetty's Server.stop(), which declares Exception
public final class JettyNode implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    final Server server;
    public final ServletContextHandler context;
    final String name;

    private JettyNode(String name, Server server, ServletContextHandler context) {
        this.name = name;
        this.server = server;
        this.context = context;
    }

    public static JettyNode start(String name, String redisUri, Consumer<RedisSessionDataStoreFactory> config) throws Exception {
        return start(name, redisUri, config, java.time.Clock.systemUTC());
    }

    /** As {@link #start(String, String, Consumer)}, the store running on {@code clock} (tests move time). */
    public static JettyNode start(String name, String redisUri, Consumer<RedisSessionDataStoreFactory> config, java.time.Clock clock)
            throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        RedisSessionDataStoreFactory store = new RedisSessionDataStoreFactory() {
            @Override
            protected RedisSessionDataStore newStore(io.lanyard.core.LanyardSettings settings) {
                return new RedisSessionDataStore(settings, clock);
            }
        };
        store.setRedisUri(redisUri);
        store.set("nodeName", name);
        // Tests drive expiry themselves (store().doGetExpired(0): one core pass) or set their own interval: the core's
        // own passes come rarely, so a pass (which also flushes the cluster figures, a write) does
        // not land inside a test that counts Redis commands or writes.
        store.set("scavengeIntervalSeconds", 300);
        store.set("gracePeriodSeconds", 700); // at least 2 x the interval + the claim lease
        config.accept(store);
        server.addBean(store);
        // Non-sticky: one shared session object while requests use it, re-read for the next one.
        // (LanyardSessionCacheFactory: evicted on session exit, saved before the response is sent.)
        server.addBean(new LanyardSessionCacheFactory());
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        context.setContextPath("/shop");
        context.setInitParameter("node", name);
        context.addServlet(SessionServlet.class, "/s");
        context.addServlet(AccountServlet.class, "/account/*");
        context.addServlet(JettyLoginServlet.class, "/jetty-login");
        context.addEventListener(new SessionServlet.Listener());
        server.setHandler(context);
        server.start();
        return new JettyNode(name, server, context);
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    RedisSessionDataStore store() {
        return (RedisSessionDataStore) context.getSessionHandler().getSessionCache().getSessionDataStore();
    }

    public Reply get(String query, String cookie) throws IOException, InterruptedException {
        return Reply.get(port(), "/shop/s?" + query, cookie);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** A response: status, body, and the JSESSIONID cookie value it set (or null). */
    public record Reply(int status, String body, String setCookie) {
        /** Repeats the request until it answers {@code status} (30 s at most). */
        static Reply await(int port, String pathAndQuery, String cookie, int status) {
            AtomicReference<Reply> last = new AtomicReference<>();
            return Await.untilNonNull(Duration.ofSeconds(30),
                    () -> pathAndQuery + " answers " + status + " (last answer: " + last.get() + ")", () -> {
                        Reply r = get(port, pathAndQuery, cookie);
                        last.set(r);
                        return r.status() == status ? r : null;
                    });
        }

        public static Reply get(int port, String pathAndQuery, String cookie) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(30));
            if (cookie != null) {
                b.header("Cookie", "JSESSIONID=" + cookie);
            }
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            String set = r.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("JSESSIONID="))
                    .map(c -> c.substring("JSESSIONID=".length(), c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
                    .findFirst().orElse(null);
            return new Reply(r.statusCode(), r.body(), set);
        }
    }
}
