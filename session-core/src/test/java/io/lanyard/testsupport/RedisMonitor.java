package io.lanyard.testsupport;

import redis.clients.jedis.Connection;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisMonitor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@code MONITOR} capture: records every command the server receives from clients. Lines that
 * Redis marks as run inside a script ({@code [0 lua]}) are kept apart, so {@link #clientCommands()}
 * is exactly what nodes sent over the wire.
 *
 * <pre>
 * try (RedisMonitor mon = RedisMonitor.start(redis)) {
 *     mon.clear();
 *     store.load(id);
 *     assertEquals(1, mon.clientCommands().size());
 * }
 * </pre>
 */
public final class RedisMonitor implements AutoCloseable {
    private static final String MARKER = "lanyard-monitor-marker";

    private final List<String> client = new CopyOnWriteArrayList<>();
    private final List<String> script = new CopyOnWriteArrayList<>();
    private final AtomicInteger markers = new AtomicInteger();
    /** Sends the markers. Opened before MONITOR starts, so its own handshake is never captured. */
    private final Jedis marker;
    private final Jedis monitor;

    private RedisMonitor(RedisServer server) {
        marker = server.jedis();
        monitor = server.jedis();
        CountDownLatch started = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try {
                monitor.monitor(new JedisMonitor() {
                    @Override
                    public void proceed(Connection connection) {
                        started.countDown(); // called once Redis has acknowledged MONITOR
                        super.proceed(connection);
                    }

                    @Override
                    public void onCommand(String line) {
                        record(line);
                    }
                });
            } catch (RuntimeException e) {
                // the connection was closed by close()
            }
        }, "redis-monitor");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!started.await(10, TimeUnit.SECONDS)) {
                close();
                throw new IllegalStateException("MONITOR was not acknowledged within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(e);
        }
    }

    /** Starts capturing; returns once the server is monitoring. */
    public static RedisMonitor start(RedisServer server) {
        return new RedisMonitor(server);
    }

    private void record(String line) {
        if (line.contains(MARKER)) {
            markers.incrementAndGet();
        } else if (line.contains(" lua]")) {
            script.add(line);
        } else {
            client.add(line);
        }
    }

    /**
     * Waits until everything sent before this call has been captured (a marker command is sent and
     * awaited: MONITOR delivers in order), then returns the client commands so far.
     */
    public synchronized List<String> clientCommands() {
        int target = markers.get() + 1;
        marker.echo(MARKER);
        Await.until(Duration.ofSeconds(10), "MONITOR delivered the marker", () -> markers.get() >= target);
        return new ArrayList<>(client);
    }

    /** Commands run inside scripts so far (not sent by clients). */
    public List<String> scriptCommands() {
        clientCommands();
        return new ArrayList<>(script);
    }

    /** Forgets what was captured so far. */
    public void clear() {
        clientCommands();
        client.clear();
        script.clear();
    }

    @Override
    public void close() {
        monitor.close();
        marker.close();
    }
}
