package com.example.shop.orders;

import com.example.shop.model.Cart;
import com.example.shop.model.CartLine;
import com.example.shop.model.Currency;
import redis.clients.jedis.UnifiedJedis;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Orders in Redis: one hash per order ({@code shop:order:<id>}: who, what, total, current status), a reliable
 * work queue of order ids ({@code shop:orders:queue}, consumed by {@link OrderWorker}) and the Pub/Sub channel
 * {@code shop:orders:status} on which every status change is announced as {@code "<id> <status>"}.
 * The hash lets any node answer "what is the status now", the channel lets waiting pages learn of a change at once.
 */
public final class Orders {
    /** Pending order ids; producers LPUSH, workers take the oldest from the right with BLMOVE. */
    public static final String QUEUE = "shop:orders:queue";
    /** Prefix of the per-worker in-flight lists ({@code shop:orders:processing:<worker>}). */
    public static final String PROCESSING_PREFIX = "shop:orders:processing:";
    /** Names of the workers that may have an in-flight list. */
    public static final String WORKERS = "shop:orders:workers";
    /** Prefix of the workers' heartbeat keys ({@code shop:orders:worker:<worker>}, with a TTL). */
    public static final String HEARTBEAT_PREFIX = "shop:orders:worker:";
    /** Pub/Sub channel of status changes. */
    public static final String STATUS_CHANNEL = "shop:orders:status";

    public static final String QUEUED = "QUEUED";
    public static final String PROCESSING = "PROCESSING";
    public static final String CONFIRMED = "CONFIRMED";

    /** Orders are demo data: they disappear after a day. */
    private static final long ORDER_TTL_SECONDS = 24 * 3600;
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final UnifiedJedis redis;

    public Orders(UnifiedJedis redis) {
        this.redis = redis;
    }

    /** True for ids this shop could have generated; anything else is never used in a key. */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    static String key(String id) {
        return "shop:order:" + id;
    }

    /** A fresh order id, for the checkout form: however often the form is posted, one order is placed with it (while orders are kept: 24 h). */
    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /**
     * Stores order {@code id}, queues it and announces it, all in one script, and only if no order
     * with this id exists: of the requests posting the same checkout form (a double click, a
     * resubmitted form, two nodes at once) exactly one places the order, and a worker never sees an
     * id without its order.
     *
     * @param id an id from {@link #newId()} ({@link #isValidId(String)})
     * @return true when this call placed the order, false when a request before it placed one with this id
     */
    public boolean place(String id, String user, Cart cart, Currency currency, String node) {
        if (!isValidId(id)) {
            throw new IllegalArgumentException("not an order id: " + id);
        }
        StringBuilder items = new StringBuilder();
        for (CartLine line : cart.lines()) {
            if (items.length() > 0) {
                items.append(", ");
            }
            items.append(line.quantity()).append(" \u00d7 ").append(line.name());
        }
        List<String> args = List.of(String.valueOf(ORDER_TTL_SECONDS), id, STATUS_CHANNEL, id + " " + QUEUED,
                "user", user,
                "items", items.toString(),
                "totalEur", cart.totalEur().toPlainString(),
                "total", currency.format(cart.totalEur()),
                "status", QUEUED,
                "placedBy", node,
                "updated", Instant.now().toString());
        Object placed = redis.eval(PLACE, List.of(key(id), QUEUE), args);
        return Long.valueOf(1).equals(placed);
    }

    /** KEYS: order hash, queue; ARGV: TTL seconds, id, status channel, status message, then field/value pairs. */
    private static final String PLACE = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], unpack(ARGV, 5))
            redis.call('EXPIRE', KEYS[1], ARGV[1])
            redis.call('LPUSH', KEYS[2], ARGV[2])
            redis.call('PUBLISH', ARGV[3], ARGV[4])
            return 1""";

    /** The order's fields, or {@code null} if there is no such order. */
    public Map<String, String> find(String id) {
        if (!isValidId(id)) {
            return null;
        }
        Map<String, String> order = redis.hgetAll(key(id));
        return order.isEmpty() ? null : order;
    }

    /**
     * Records a new status and announces it, in one script: nothing happens if the order has expired meanwhile
     * (the hash is never re-created without its TTL), and a confirmed order never goes back to an earlier
     * status (a job re-run after a crash between confirmation and acknowledgement).
     */
    void setStatus(String id, String status, String node) {
        redis.eval(SET_STATUS, List.of(key(id)),
                List.of(status, node, Instant.now().toString(), STATUS_CHANNEL, id + " " + status, CONFIRMED));
    }

    private static final String SET_STATUS = String.join("\n",
            "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end",
            "if redis.call('HGET', KEYS[1], 'status') == ARGV[6] then return 0 end",
            "redis.call('HSET', KEYS[1], 'status', ARGV[1], 'processedBy', ARGV[2], 'updated', ARGV[3])",
            "redis.call('PUBLISH', ARGV[4], ARGV[5])",
            "return 1");

    /** Status messages are {@code "<id> <status>"}; returns {id, status} or null if malformed. */
    static String[] parseMessage(String message) {
        List<String> parts = List.of(message.split(" ", 2));
        return parts.size() == 2 && isValidId(parts.get(0)) ? new String[] {parts.get(0), parts.get(1)} : null;
    }
}
