package io.lanyard.tomcat;

import io.lanyard.core.LanyardException;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import org.apache.catalina.Session;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Marks request boundaries for {@link RedisSessionManager}, which installs it in its context's
 * pipeline; users never configure it. On the way in it registers the request with the holder of
 * the requested session (no Redis call: loading is lazy, on the first {@code getSession}); on the
 * way out, before the response completes, it releases the session, and the last request out
 * saves it. Async requests are released when they complete.
 *
 * <p>When Redis is unreachable it turns the failure into a short {@code 503} text answer instead
 * of Tomcat's error page with a stack trace.
 */
public final class LanyardValve extends ValveBase {
    private static final Log log = LogFactory.getLog(LanyardValve.class);
    static final String UNAVAILABLE_BODY =
            "503 Service Unavailable: the session store (Redis) cannot be reached. Please retry in a moment.\n";

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
        RedisSessionManager.Holder entered = manager.enter(request.getRequestedSessionId());
        boolean deferred = false;
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
            if (request.isAsyncStarted()) {
                deferred = true;
                request.getAsyncContext().addListener(new ExitOnComplete(request, response, entered));
            }
            if (!deferred) {
                exit(request, response, entered);
            }
        }
    }

    private void exit(Request request, Response response, RedisSessionManager.Holder entered) {
        try {
            Session used = null;
            // Only ask the request for its session when that cannot reach Redis: either no
            // session was requested (so only a session created here can be returned), or the
            // requested one was already looked up (its holder answers from memory).
            if (entered == null || isLoaded(entered)) {
                used = request.getSessionInternal(false);
            }
            manager.exit(entered, used);
        } catch (LanyardException.RedisUnavailableException e) {
            unavailable(request, response, e);
        }
    }

    private static boolean isLoaded(RedisSessionManager.Holder h) {
        synchronized (h) {
            return h.loaded;
        }
    }

    private static LanyardException.RedisUnavailableException redisUnavailable(Throwable t) {
        for (int i = 0; t != null && i < 10; i++, t = t.getCause()) {
            if (t instanceof LanyardException.RedisUnavailableException e) {
                return e;
            }
        }
        return null;
    }

    private static void unavailable(Request request, Response response, LanyardException.RedisUnavailableException e) {
        request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (response.isCommitted()) {
            log.debug("Lanyard: Redis unavailable after the response was committed", e);
            return;
        }
        // The store logs the outage once; per request only a debug line.
        if (log.isDebugEnabled()) {
            log.debug("Lanyard: answering 503 for " + request.getRequestURI() + ": " + e.getMessage());
        }
        try {
            response.reset();
            response.resetError();
            response.setStatus(503);
            response.setHeader("Retry-After", "5");
            response.setContentType("text/plain");
            response.setCharacterEncoding("UTF-8");
            byte[] body = UNAVAILABLE_BODY.getBytes(StandardCharsets.UTF_8);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            response.flushBuffer();
        } catch (IOException | IllegalStateException io) {
            log.debug("Lanyard: could not write the 503 answer", io);
        }
    }

    /** Releases an async request's session when it completes. */
    private final class ExitOnComplete implements AsyncListener {
        private final Request request;
        private final Response response;
        private final RedisSessionManager.Holder entered;
        private final AtomicBoolean done = new AtomicBoolean();

        ExitOnComplete(Request request, Response response, RedisSessionManager.Holder entered) {
            this.request = request;
            this.response = response;
            this.entered = entered;
        }

        private void finish() {
            if (done.compareAndSet(false, true)) {
                exit(request, response, entered);
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            finish();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }
}
