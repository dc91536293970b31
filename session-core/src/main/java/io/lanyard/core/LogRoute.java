package io.lanyard.core;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * Sends the core's log lines to a container's own logging. The core logs through
 * {@code System.Logger}, which the JDK sends to {@code java.util.logging}; a handler the adapter
 * gives ({@link LanyardSettings#setLogHandler}, e.g. Jetty's SLF4J) is attached to the logger
 * {@code io.lanyard} instead of the JDK's two-line console format, while at least one store given
 * one runs, at the handler's level (a disabled level then costs no log record). When the last
 * such store closes (also after a failed start), {@code java.util.logging} is as before.
 */
final class LogRoute {
    /** Held strongly: java.util.logging keeps loggers weakly and would forget the handler. */
    private static final Logger LANYARD = Logger.getLogger("io.lanyard");
    /** Settings of the stores whose lines are routed: each webapp has its own bean. Guarded by LogRoute.class. */
    private static final Set<LanyardSettings> OPEN = Collections.newSetFromMap(new IdentityHashMap<>());
    private static Handler attached;

    private LogRoute() {
    }

    /** A store with these settings starts: attaches their handler, unless one is attached already. */
    static synchronized void open(LanyardSettings settings) {
        Handler handler = settings.logHandler;
        if (handler == null || !OPEN.add(settings) || attached != null) {
            return;
        }
        attached = handler;
        LANYARD.setLevel(handler.getLevel());
        LANYARD.addHandler(handler);
        LANYARD.setUseParentHandlers(false);
    }

    /** The store with these settings stopped (or failed to start); the last one detaches the handler. */
    static synchronized void close(LanyardSettings settings) {
        if (!OPEN.remove(settings) || !OPEN.isEmpty() || attached == null) {
            return;
        }
        LANYARD.removeHandler(attached);
        LANYARD.setUseParentHandlers(true);
        LANYARD.setLevel(null);
        attached = null;
    }
}
