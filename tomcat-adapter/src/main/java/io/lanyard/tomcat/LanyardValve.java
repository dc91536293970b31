package io.lanyard.tomcat;

import io.lanyard.core.ActiveSession;
import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardException.RedisUnavailableException;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import org.apache.catalina.Context;
import org.apache.catalina.Session;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The request boundaries of {@link RedisSessionManager}, which installs this valve first in its
 * context's pipeline; users never configure it. Each request gets a {@link Bracket}: opened here on
 * the way in (entering the requested session in the core, no Redis call: loading is lazy), closed by
 * a {@code requestDestroyed} listener, after error pages and, for async requests, on completion, but
 * still before the response completes. Closing leaves the core's entries the request used, each
 * leave saving the request's changes; a failed save answers 503/500 while the response is not
 * committed, else it follows the core's lost-save policy.
 *
 * <p>A request that fails because Redis is unreachable gets the core's short 503 text answer with
 * {@code Retry-After} instead of Tomcat's error page with a stack trace.
 */
public final class LanyardValve extends ValveBase {
    private static final Log log = LogFactory.getLog(LanyardValve.class);
    /** Request attribute holding the request's {@link Bracket}: the listener only sees the request facade. */
    private static final String BRACKET = "io.lanyard.tomcat.bracket";

    private final RedisSessionManager manager;
    private final ServletRequestListener closer = new ServletRequestListener() {
        @Override
        public void requestDestroyed(ServletRequestEvent event) {
            if (event.getServletRequest().getAttribute(BRACKET) instanceof Bracket b) {
                synchronized (b) {
                    // Nested destroy events (FormAuthenticator's login-page forward, or
                    // fireRequestListenersOnForwards) come while the valve still runs: the request
                    // is not over yet.
                    if (b.valveDepth > 0) {
                        return;
                    }
                }
                close(b);
            }
        }
    };

    /** One request's use of this context's sessions. Guarded by its monitor. */
    private static final class Bracket {
        final Request request;
        final ActiveSession entered;
        /** Valve invocations of this request in progress (async dispatches re-enter the valve). */
        int valveDepth = 1;
        boolean closed;

        Bracket(Request request, ActiveSession entered) {
            this.request = request;
            this.entered = entered;
        }
    }

    LanyardValve(RedisSessionManager manager) {
        super(true);
        this.manager = manager;
    }

    /**
     * Puts this valve first in the context's pipeline (once), so it sees every session lookup of a
     * request; added while the context is being configured, i.e. before ContextConfig adds the
     * authenticator. At start also the request listener, appended last to the context's listeners:
     * called first on requestDestroyed, so an application listener that throws there cannot skip
     * the close (sessions it changes afterwards are written through).
     */
    void install(Context context, boolean started) {
        if (context != null && !Arrays.asList(context.getPipeline().getValves()).contains(this)) {
            context.getPipeline().addValve(this);
        }
        Object[] listeners = started ? context.getApplicationEventListeners() : null;
        if (listeners != null && !Arrays.asList(listeners).contains(closer)) {
            Object[] withOurs = Arrays.copyOf(listeners, listeners.length + 1);
            withOurs[listeners.length] = closer;
            context.setApplicationEventListeners(withOurs);
        }
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        if (!manager.isRunning()) {
            getNext().invoke(request, response);
            return;
        }
        Bracket bracket = open(request);
        try {
            getNext().invoke(request, response);
            if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t) {
                unavailable(request, response, t);
            }
        } catch (IOException | ServletException | RuntimeException e) {
            if (!unavailable(request, response, e)) {
                throw e;
            }
        } finally {
            leave(bracket);
        }
    }

    /** The request's open bracket; a new one (entering the requested session) if there is none yet. */
    private Bracket open(Request request) {
        if (request.getAttribute(BRACKET) instanceof Bracket b) {
            synchronized (b) {
                if (!b.closed) {
                    b.valveDepth++;
                    return b;
                }
            }
        }
        Bracket b = new Bracket(request, manager.store().enter(request.getRequestedSessionId()));
        request.setAttribute(BRACKET, b);
        return b;
    }

    /**
     * The valve leaves. The bracket stays open for {@code requestDestroyed} (error pages, async
     * completion) unless the request listener is not registered on the context.
     */
    private void leave(Bracket b) {
        synchronized (b) {
            b.valveDepth--;
        }
        if (!Arrays.asList(manager.getContext().getApplicationEventListeners()).contains(closer)
                && !b.request.isAsyncStarted()) {
            close(b);
        }
    }

    /**
     * Ends a request's use of this context's sessions (once): leaves the entered session and gives
     * back the creator hold of a session the request created; each saves what changed.
     */
    private void close(Bracket b) {
        synchronized (b) {
            if (b.closed) {
                return;
            }
            b.closed = true;
        }
        Request request = b.request;
        request.removeAttribute(BRACKET);
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
                failure = b.entered.leave(null);
            }
            if (used instanceof RedisSession rs && rs.active != null) {
                failure = rs.active.leaveCreatorHolds(failure);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            saveFailed(request, failure);
        }
    }

    /** Safety net, from {@link RedisSession#endAccess()} when Tomcat recycles a request. */
    void endAccess(RedisSession rs) {
        RuntimeException failure = manager.isRunning() && rs.active != null ? rs.active.leaveCreatorHolds(null) : null;
        if (failure != null) {
            manager.lostSave(failure);
        }
    }

    private void saveFailed(Request request, RuntimeException failure) {
        Response response = request.getResponse();
        if (response == null || response.isCommitted()) {
            manager.lostSave(failure);
        } else if (!unavailable(request, response, failure)) {
            // The core already logged why (oversized, ...); the client must not see a 200.
            log.debug("Lanyard: session save failed, answering 500", failure);
            answer(response, failure);
        }
    }

    /** Answers 503 when {@code failure} is Redis being unavailable; false when it is something else. */
    private static boolean unavailable(Request request, Response response, Throwable failure) {
        RedisUnavailableException e = RedisUnavailableException.in(failure);
        if (e == null) {
            return false;
        }
        request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (response.isCommitted()) {
            log.debug("Lanyard: Redis unavailable after the response was committed", e);
        } else {
            // The store logs the outage once; per request only a debug line.
            if (log.isDebugEnabled()) {
                log.debug("Lanyard: answering 503 for " + request.getRequestURI() + ": " + e.getMessage());
            }
            answer(response, e);
        }
        return true;
    }

    /** Replaces the (uncommitted) response with the core's short text answer to {@code failure}. */
    private static void answer(Response response, Throwable failure) {
        int status = LanyardException.httpStatus(failure);
        String text = LanyardException.httpAnswer(failure);
        try {
            response.reset();
            response.resetError();
            response.setStatus(status);
            LanyardException.httpHeaders(status).forEach(response::setHeader);
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            response.setContentLength(body.length);
            // The writer may already be in use (an error page); the stream is then unavailable.
            try {
                response.getOutputStream().write(body);
            } catch (IllegalStateException writerInUse) {
                response.getWriter().write(text);
            }
            response.flushBuffer();
        } catch (IOException | IllegalStateException io) {
            log.debug("Lanyard: could not write the " + status + " answer", io);
        }
    }
}
