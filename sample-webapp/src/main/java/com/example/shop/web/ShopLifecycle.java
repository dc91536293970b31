package com.example.shop.web;

import com.example.shop.orders.OrderStatusHub;
import com.example.shop.orders.OrderWorker;
import com.example.shop.orders.Orders;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import redis.clients.jedis.RedisClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.util.logging.Logger;

/**
 * Starts the shop's own Redis use (orders queue worker, status subscriber) with the webapp and stops it with it.
 *
 * <p>Configuration, first match wins:
 * <ul>
 *   <li>node name: context init parameter or system property {@code lanyard.demo.node}, else
 *       {@code <host name>-<process id>} (two nodes on one host are told apart, as in Lanyard's default
 *       {@code nodeName});</li>
 *   <li>Redis: context init parameter {@code shop.redisUri}, else env {@code SHOP_REDIS_URI}, else env
 *       {@code LANYARD_REDIS_URI} or {@code REDIS_URL} when it is a {@code redis://} or {@code rediss://} URI
 *       (the shop's queue needs one server; a Sentinel or Cluster URI there is skipped with a log line),
 *       else {@code redis://127.0.0.1:6379};</li>
 *   <li>simulated payment time: context init parameter {@code shop.orderProcessingMillis} (default 1500).</li>
 * </ul>
 */
public final class ShopLifecycle implements ServletContextListener {
    /** Context init parameter / system property naming the node, e.g. {@code tomcat-1}. */
    public static final String NODE_PARAMETER = "lanyard.demo.node";
    private static final Logger LOG = Logger.getLogger(ShopLifecycle.class.getName());
    private static final String DEFAULT_REDIS_URI = "redis://127.0.0.1:6379";

    private RedisClient redis;
    private OrderWorker worker;
    private OrderStatusHub hub;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext ctx = event.getServletContext();
        String node = firstNonBlank(ctx.getInitParameter(NODE_PARAMETER), System.getProperty(NODE_PARAMETER),
                hostName() + "-" + ProcessHandle.current().pid());
        String configured = firstNonBlank(ctx.getInitParameter("shop.redisUri"), System.getenv("SHOP_REDIS_URI"),
                singleServer("LANYARD_REDIS_URI"), singleServer("REDIS_URL"), "");
        String uri = configured.isEmpty() ? DEFAULT_REDIS_URI : configured;
        long processingMillis = Long.parseLong(firstNonBlank(ctx.getInitParameter("shop.orderProcessingMillis"), "1500"));

        redis = RedisClient.create(URI.create(uri)); // connects lazily: the shop starts even while Redis is down
        Orders orders = new Orders(redis);
        hub = new OrderStatusHub(redis, orders);
        worker = new OrderWorker(redis, orders, node, processingMillis);
        hub.start();
        worker.start();
        ctx.setAttribute(Shop.ATTRIBUTE, new Shop(node, orders, hub));
        // Lanyard's redisUri is the session store's business, invisible to a plain webapp: say where the orders go.
        LOG.info("shop started on node " + node + ", orders in " + masked(uri) + (configured.isEmpty()
                ? " (the default; set SHOP_REDIS_URI or the context parameter shop.redisUri to use another Redis)" : ""));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        event.getServletContext().removeAttribute(Shop.ATTRIBUTE);
        long t0 = System.nanoTime();
        try {
            worker.stop();
            hub.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            redis.close();
        }
        LOG.info("shop stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** The environment variable if it names one Redis server (redis:// or rediss://), else null. */
    private static String singleServer(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        if (v.startsWith("redis://") || v.startsWith("rediss://")) {
            return v;
        }
        LOG.warning(variable + " is not a redis:// or rediss:// URI; the shop's order queue does not use it"
                + " (set SHOP_REDIS_URI or the context parameter shop.redisUri to one Redis server)");
        return null;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "shop";
        }
    }

    /** The first value that is not blank, trimmed; the last value is the default and is returned as it is. */
    private static String firstNonBlank(String... values) {
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] != null && !values[i].isBlank()) {
                return values[i].trim();
            }
        }
        return values[values.length - 1];
    }

    /** The URI without its password, for logs. */
    static String masked(String uri) {
        return uri.replaceFirst("//[^@/]*@", "//***@");
    }
}
