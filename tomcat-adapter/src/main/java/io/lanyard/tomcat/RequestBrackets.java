package io.lanyard.tomcat;

import io.lanyard.core.ActiveSession;
import io.lanyard.core.LanyardException;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import org.apache.catalina.Context;
import org.apache.catalina.Session;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

import java.util.Arrays;

/**
 * Request boundaries of {@link RedisSessionManager}: a {@link Bracket} per request, opened by
 * {@link LanyardValve} and closed by a {@code requestDestroyed} listener (after error pages and,
 * for async requests, on completion). Closing leaves the core's entries the request used, each
 * leave saving the request's changes; a failure answers 503/500 if the response is not committed
 * yet, else it follows the core's lost-save policy.
 */
final class RequestBrackets {
    private static final Log log = LogFactory.getLog(RequestBrackets.class);

    private final RedisSessionManager manager;
    private final RequestListener listener = new RequestListener();
    private final LanyardValve valve;

    RequestBrackets(RedisSessionManager manager) {
        this.manager = manager;
        this.valve = new LanyardValve(manager);
    }

    /** Puts the valve first in the context's pipeline (once), so it sees every session lookup of a request. */
    void installValve(Context context) {
        if (context == null) {
            return;
        }
        for (Valve v : context.getPipeline().getValves()) {
            if (v == valve) {
                return;
            }
        }
        // Added while the context is being configured, i.e. before ContextConfig adds the
        // authenticator.
        context.getPipeline().addValve(valve);
    }

    /** At start: the valve, and the request listener appended last to the context's listeners. */
    void install(Context context) {
        installValve(context);
        // Appended last: called first on requestDestroyed, so an application listener that throws
        // there cannot skip the close (sessions it changes afterwards are written through).
        Object[] listeners = context.getApplicationEventListeners();
        if (!Arrays.asList(listeners).contains(listener)) {
            Object[] withOurs = Arrays.copyOf(listeners, listeners.length + 1);
            withOurs[listeners.length] = listener;
            context.setApplicationEventListeners(withOurs);
        }
    }

    /**
     * One request's use of this context's sessions, from the valve's entry to
     * {@code requestDestroyed} (which Tomcat fires after error pages). Stored as a request attribute
     * so that the listener, which only sees the request facade, finds it. Guarded by its monitor.
     */
    static final class Bracket {
        final Request request;
        final ActiveSession entered;
        /** Valve invocations of this request in progress (async dispatches re-enter the valve). */
        int valveDepth;
        boolean closed;

        Bracket(Request request, ActiveSession entered) {
            this.request = request;
            this.entered = entered;
        }
    }

    /** Request attribute holding the request's {@link Bracket}. */
    static final String BRACKET_ATTRIBUTE = "io.lanyard.tomcat.bracket";

    /** Closes a request's bracket once Tomcat is done with the request, error pages included. */
    private final class RequestListener implements ServletRequestListener {
        @Override
        public void requestDestroyed(ServletRequestEvent event) {
            if (event.getServletRequest().getAttribute(BRACKET_ATTRIBUTE) instanceof Bracket b) {
                synchronized (b) {
                    // Nested destroy events (FormAuthenticator's login-page forward, or
                    // fireRequestListenersOnForwards) come while the valve is still running: the
                    // request is not over yet.
                    if (b.valveDepth > 0) {
                        return;
                    }
                }
                close(b);
            }
        }
    }


    /**
     * The valve enters: returns the request's open bracket, opening one (and entering the
     * request's requested session, no Redis call) if there is none yet.
     */
    Bracket open(Request request) {
        if (request.getAttribute(BRACKET_ATTRIBUTE) instanceof Bracket b) {
            synchronized (b) {
                if (!b.closed) {
                    b.valveDepth++;
                    return b;
                }
            }
        }
        Bracket b = new Bracket(request, manager.store().enter(request.getRequestedSessionId()));
        b.valveDepth = 1;
        request.setAttribute(BRACKET_ATTRIBUTE, b);
        return b;
    }

    /**
     * The valve leaves. The bracket stays open for {@code requestDestroyed} (error pages, async
     * completion) unless the request listener is not registered on the context.
     */
    void leave(Bracket b) {
        synchronized (b) {
            b.valveDepth--;
        }
        if (!Arrays.asList(manager.getContext().getApplicationEventListeners()).contains(listener)
                && !b.request.isAsyncStarted()) {
            close(b);
        }
    }

    /**
     * Ends a request's use of this context's sessions (once; later calls do nothing): leaves the
     * entered session and releases the creation hold of a session the request created; each saves
     * what changed. A failed save answers 503/500 if the response is not committed yet, else it is
     * logged (rate limited) and counted as a lost save.
     */
    void close(Bracket b) {
        synchronized (b) {
            if (b.closed) {
                return;
            }
            b.closed = true;
        }
        Request request = b.request;
        request.removeAttribute(BRACKET_ATTRIBUTE);
        RuntimeException failure = null;
        try {
            Session used = null;
            // Only ask the request for its session when that cannot reach Redis: either no
            // session was requested (so only a session created here can be returned), or the
            // requested one was already looked up (its entry answers from memory). Otherwise
            // a session created by this request is released by endAccess when Tomcat recycles it.
            if (manager.isRunning() && (b.entered == null || b.entered.isLoaded())) {
                used = request.getSessionInternal(false);
            }
            if (b.entered != null) {
                failure = releaseQuietly(b.entered, null);
            }
            if (used instanceof RedisSession rs) {
                failure = releaseCreatorHold(rs, failure);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            saveFailed(request, failure);
        }
    }

    /** Releases the hold the creating request has on its new session's entry (once). */
    RuntimeException releaseCreatorHold(RedisSession rs, RuntimeException failure) {
        return rs.takeCreatorHold() ? releaseQuietly(rs.active, failure) : failure;
    }

    /** Safety net, from {@link RedisSession#endAccess()} when Tomcat recycles a request. */
    void endAccess(RedisSession rs) {
        if (!manager.isRunning()) {
            return;
        }
        RuntimeException failure = releaseCreatorHold(rs, null);
        if (failure != null) {
            manager.lostSave(failure);
        }
    }

    RuntimeException releaseQuietly(ActiveSession a, RuntimeException earlier) {
        try {
            release(a);
            return earlier;
        } catch (RuntimeException e) {
            if (earlier != null) {
                earlier.addSuppressed(e);
                return earlier;
            }
            return e;
        }
    }

    /** One request leaves {@code a}, saving its changes; the last one out passivates first and drops the object. */
    private void release(ActiveSession a) {
        RedisSession s = a.attachment();
        if (!manager.isRunning()) {
            // The webapp stopped (undeploy, shutdown) while this request still ran past Tomcat's
            // unloadDelay: the store is closed, so its changes cannot be saved.
            if (s != null && s.isValidLocally()) {
                manager.lostSave(new IllegalStateException("a request of session " + a
                        + " ended after the webapp stopped; its session changes, if any, are not saved"));
            }
            return;
        }
        a.leave(() -> {
            if (s != null) {
                s.passivate();
            }
        }, () -> {
            if (s != null) {
                // Code that still has the object (an application's requestDestroyed listener,
                // a request's cached session) writes its changes through from now on.
                s.markReleased();
                manager.remove(s, false);
            }
        });
    }

    /**
     * A session object used outside any request bracket (see {@link RedisSession#markReleased()})
     * was changed: save it at once.
     */
    void saveNow(RedisSession s) {
        if (!manager.isRunning() || !s.isValidLocally()) {
            return;
        }
        try {
            manager.store().save(s.record());
        } catch (RuntimeException e) {
            manager.lostSave(e);
            throw e;
        }
    }

    private void saveFailed(Request request, RuntimeException failure) {
        LanyardException.RedisUnavailableException down = LanyardValve.redisUnavailable(failure);
        if (request.getResponse() != null && !request.getResponse().isCommitted()) {
            if (down != null) {
                LanyardValve.unavailable(request, request.getResponse(), down);
            } else {
                // The core already logged why (oversized, ...); the client must not see a 200.
                log.debug("Lanyard: session save failed, answering 500", failure);
                LanyardValve.plainAnswer(request.getResponse(), 500,
                        "500 Internal Server Error: the session could not be saved.\n");
            }
            return;
        }
        manager.lostSave(failure);
    }
}
