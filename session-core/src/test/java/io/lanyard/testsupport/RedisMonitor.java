package io.lanyard.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A {@code MONITOR} capture: records every command the server receives from clients. Lines that
 * Redis marks as run inside a script ({@code [0 lua]}) are kept apart, so {@link #clientCommands()}
 * is exactly what nodes sent over the wire.
 *
 * <pre>
 * try (RedisMonitor mon = RedisMonitor.start(redis)) {
 *     store.load(id);
 *     assertEquals(1, mon.awaitClientCommands(1).size());
 * }
 * </pre>
 */
public final class RedisMonitor implements AutoCloseable {
    private static final String MARKER = "lanyard-monitor-marker";

    private final Socket socket;
    private final RedisServer server;
    private final List<String> client = new CopyOnWriteArrayList<>();
    private final List<String> script = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private RedisMonitor(RedisServer server) throws IOException {
        this.server = server;
        this.socket = new Socket();
        socket.connect(new InetSocketAddress(server.host(), server.port()), 2000);
        OutputStream out = socket.getOutputStream();
        out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String ok = in.readLine();
        if (!"+OK".equals(ok)) {
            throw new IOException("MONITOR answered " + ok);
        }
        reader = new Thread(() -> {
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.contains(MARKER)) {
                        synchronized (this) {
                            markers++;
                            notifyAll();
                        }
                    } else if (line.contains(" lua]")) {
                        script.add(line);
                    } else {
                        client.add(line);
                    }
                }
            } catch (IOException e) {
                // closed
            }
        }, "redis-monitor");
        reader.setDaemon(true);
        reader.start();
    }

    private int markers;

    public static RedisMonitor start(RedisServer server) {
        try {
            return new RedisMonitor(server);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until everything sent before this call has been captured (a marker command is sent and
     * awaited: MONITOR delivers in order), then returns the client commands so far.
     */
    public List<String> clientCommands() {
        int target;
        synchronized (this) {
            target = markers + 1;
        }
        try {
            server.command("ECHO", MARKER);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        synchronized (this) {
            while (markers < target && System.nanoTime() < deadline) {
                try {
                    wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
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
        try {
            socket.close();
        } catch (IOException e) {
            // ignore
        }
    }
}
