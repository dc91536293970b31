package io.lanyard.tomcat;

import io.lanyard.core.LanyardException;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Opens the request bracket of {@link RedisSessionManager}, which installs this valve first in its
 * context's pipeline; users never configure it. On the way in it enters the core's entry of the
 * requested session (no Redis call: loading is lazy, on the first
 * {@code getSession}). The bracket is closed, and the session saved by the last request out, by
 * the manager's {@code requestDestroyed} listener: after error pages, and for async requests on
 * completion, but still before the response completes.
 *
 * <p>When Redis is unreachable it turns the failure into a short {@code 503} text answer instead
 * of Tomcat's error page with a stack trace.
 */
public final class LanyardValve extends ValveBase {
    private static final Log log = LogFactory.getLog(LanyardValve.class);
    static final String UNAVAILABLE_BODY =
            "503 Service Unavailable: the session store (Redis) cannot be reached. Please retry in a moment.\n";
    static final String FULL_BODY =
            "503 Service Unavailable: the session store (Redis) is full; your change was not saved. Please retry later.\n";

    private final RedisSessionManager manager;

    LanyardValve(RedisSessionManager manager) {
        super(true);
        this.manager = manager;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        if (!manager.isRunning()) {
            getNext().invoke(request, response);
            return;
        }
        RequestBrackets.Bracket bracket = manager.brackets().open(request);
        try {
            getNext().invoke(request, response);
            Object error = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
            if (error instanceof Throwable t && redisUnavailable(t) != null) {
                unavailable(request, response, redisUnavailable(t));
            }
        } catch (IOException | ServletException | RuntimeException e) {
            LanyardException.RedisUnavailableException down = redisUnavailable(e);
            if (down == null) {
                throw e;
            }
            unavailable(request, response, down);
        } finally {
            // The bracket is closed by the manager's requestDestroyed listener, after error pages
            // and, for async requests, on completion.
            manager.brackets().leave(bracket);
        }
    }

    static LanyardException.RedisUnavailableException redisUnavailable(Throwable t) {
        for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
            if (t instanceof LanyardException.RedisUnavailableException e) {
                return e;
            }
        }
        return null;
    }

    static void unavailable(Request request, Response response, LanyardException.RedisUnavailableException e) {
        request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (response.isCommitted()) {
            log.debug("Lanyard: Redis unavailable after the response was committed", e);
            return;
        }
        // The store logs the outage once; per request only a debug line.
        if (log.isDebugEnabled()) {
            log.debug("Lanyard: answering 503 for " + request.getRequestURI() + ": " + e.getMessage());
        }
        plainAnswer(response, 503, e instanceof LanyardException.RedisFullException ? FULL_BODY : UNAVAILABLE_BODY);
    }

    /** Replaces the (uncommitted) response with a short text answer. */
    static void plainAnswer(Response response, int status, String text) {
        try {
            response.reset();
            response.resetError();
            response.setStatus(status);
            if (status == 503) {
                response.setHeader("Retry-After", "5");
            }
            response.setContentType("text/plain");
            response.setCharacterEncoding("UTF-8");
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
