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
 *   <li>node name: context init parameter or system property {@code lanyard.demo.node}, else the host name;</li>
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

    private RedisClient redis;
    private OrderWorker worker;
    private OrderStatusHub hub;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext ctx = event.getServletContext();
        String node = firstNonBlank(ctx.getInitParameter(NODE_PARAMETER), System.getProperty(NODE_PARAMETER), hostName());
        String uri = firstNonBlank(ctx.getInitParameter("shop.redisUri"), System.getenv("SHOP_REDIS_URI"),
                singleServer("LANYARD_REDIS_URI"), singleServer("REDIS_URL"), "redis://127.0.0.1:6379");
        long processingMillis = Long.parseLong(firstNonBlank(ctx.getInitParameter("shop.orderProcessingMillis"), "1500"));

        redis = RedisClient.create(URI.create(uri)); // connects lazily: the shop starts even while Redis is down
        Orders orders = new Orders(redis);
        hub = new OrderStatusHub(redis, orders);
        worker = new OrderWorker(redis, orders, node, processingMillis);
        hub.start();
        worker.start();
        ctx.setAttribute(Shop.ATTRIBUTE, new Shop(node, orders, hub));
        LOG.info("shop started on node " + node + ", orders in " + masked(uri));
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

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        throw new IllegalStateException("no default");
    }

    /** The URI without its password, for logs. */
    static String masked(String uri) {
        return uri.replaceFirst("//[^@/]*@", "//***@");
    }
}
