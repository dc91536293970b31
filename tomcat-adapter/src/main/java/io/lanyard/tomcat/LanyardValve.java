package io.lanyard.tomcat;

import io.lanyard.core.RequestScope;
import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardException.RedisUnavailableException;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import org.apache.catalina.Context;
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
 * context's pipeline; users never configure it. Each request gets the core's request scope
 * ({@link RequestScope}): entered here on the way in (async dispatches re-enter it),
 * ended by a {@code requestDestroyed} listener, after error pages and, for async requests, on
 * completion, but still before the response completes. A failed save answers 503/500 while the
 * response is not committed, else it follows the core's lost-save policy.
 *
 * <p>A request that fails because Redis is unreachable gets the core's short 503 text answer with
 * {@code Retry-After} instead of Tomcat's error page with a stack trace.
 */
public final class LanyardValve extends ValveBase {
    private static final Log log = LogFactory.getLog(LanyardValve.class);
    /** Request attribute holding the request's {@link Held} scope. */
    private static final String SCOPE = "io.lanyard.tomcat.scope";

    private final RedisSessionManager manager;
    private final ServletRequestListener closer = new ServletRequestListener() {
        @Override
        public void requestDestroyed(ServletRequestEvent event) {
            // Nested destroy events (FormAuthenticator's login-page forward, or
            // fireRequestListenersOnForwards) come while the valve still runs: not the end yet.
            if (event.getServletRequest().getAttribute(SCOPE) instanceof Held h && !h.scope.inProgress()) {
                end(h.request, h.scope);
            }
        }
    };

    /** The core's request scope with its request: the listener only sees the request facade. */
    private record Held(Request request, RequestScope scope) {
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
     * the end (sessions it changes afterwards are written through).
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
        manager.requestEntered();
        RequestScope scope = RequestScope.enter(manager.store(),
                request.getAttribute(SCOPE) instanceof Held h ? h.scope : null, request.getRequestedSessionId());
        request.setAttribute(SCOPE, new Held(request, scope));
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
            scope.exit();
            // The scope stays open for requestDestroyed (error pages, async completion), unless
            // the request listener is not registered on the context.
            if (!Arrays.asList(manager.getContext().getApplicationEventListeners()).contains(closer)
                    && !request.isAsyncStarted()) {
                end(request, scope);
            }
        }
    }

    /**
     * Ends a request's scope (once, {@link RequestScope#end}): a failed save answers 503/500
     * unless the response is committed.
     */
    private void end(Request request, RequestScope scope) {
        request.removeAttribute(SCOPE);
        Response response = request.getResponse();
        RuntimeException failure = scope.end(() -> manager.isRunning()
                && request.getSessionInternal(false) instanceof RedisSession rs ? rs.active : null,
                () -> response == null || response.isCommitted());
        if (failure != null && !unavailable(request, response, failure)) {
            answer(request, response, failure); // the core logged why (oversized, ...); the client must not see a 200
        }
    }

    /** Answers 503 when {@code failure} is Redis being unavailable; false when it is something else. */
    private static boolean unavailable(Request request, Response response, Throwable failure) {
        if (RedisUnavailableException.in(failure) == null) {
            return false;
        }
        request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
        answer(request, response, failure);
        return true;
    }

    /**
     * Replaces the response, unless it is committed, with the core's short text answer to
     * {@code failure} ({@link LanyardException#httpAnswer}). Per request only a debug line: the core
     * logs an outage once.
     */
    private static void answer(Request request, Response response, Throwable failure) {
        if (log.isDebugEnabled()) {
            log.debug("Lanyard: " + (response.isCommitted() ? "response committed, no answer" : "answering")
                    + " for " + request.getRequestURI() + ": " + failure);
        }
        try {
            if (!response.isCommitted()) {
                response.reset();
                response.resetError();
                byte[] body = LanyardException.httpAnswer(failure, response::setStatus, response::setHeader);
                // The writer may already be in use (an error page); the stream is then unavailable.
                try {
                    response.getOutputStream().write(body);
                } catch (IllegalStateException writerInUse) {
                    response.getWriter().write(new String(body, StandardCharsets.UTF_8));
                }
                response.flushBuffer();
            }
        } catch (IOException | IllegalStateException io) {
            log.debug("Lanyard: could not write the answer", io);
        }
    }
}
