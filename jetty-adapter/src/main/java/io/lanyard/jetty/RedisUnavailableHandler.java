package io.lanyard.jetty;

import io.lanyard.core.LanyardException;
import io.lanyard.core.LanyardException.RedisUnavailableException;
import io.lanyard.core.RedisSessionStore;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.session.AbstractSessionManager.RequestedSession;
import org.eclipse.jetty.session.SessionManager;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the core's 503 ({@link RedisUnavailableException#ANSWER}, with {@code Retry-After}) for a
 * request whose session could not be loaded because Redis is unreachable, before the webapp runs.
 *
 * <p>Design notes. Jetty's session manager swallows any exception from the store's load (a WARN
 * with a stack trace) and runs the request <em>without</em> its session: the webapp would answer
 * "logged out", or create a session and overwrite the user's cookie. No hook makes that load fail
 * the request, and a handler in front of the context runs before the load. So this handler sits
 * directly after the webapp's {@code SessionHandler} (inserted by
 * {@link RedisSessionDataStoreFactory}): the store's load reports "no session" when Redis is
 * unreachable, and the core notes the failed load under the session id
 * ({@link io.lanyard.core.RedisSessionStore#loadFailedSince}); here, right after the session
 * lookup, a request that asked for a session, got none, and whose session's load failed since it
 * began gets the 503, without a cookie, so the browser keeps its session. No per-request state
 * lives in the store or in a thread. A request that creates a session while Redis is known to be
 * down gets a 503 through Jetty's error handling ({@link SessionStoreUnavailableException}), to
 * which this handler adds {@code Retry-After}.
 */
public class RedisUnavailableHandler extends Handler.Wrapper {
    private final SessionManager sessions;

    /**
     * @param sessions the webapp's session manager (its {@code SessionHandler}), which this handler
     *                 directly follows; it answers for whichever {@link RedisSessionDataStore} that has
     */
    public RedisUnavailableHandler(SessionManager sessions) {
        this.sessions = sessions;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        // Looked up per request: a restarted webapp has a new cache and store.
        if (!(sessions.getSessionCache() != null && sessions.getSessionCache().getSessionDataStore() instanceof RedisSessionDataStore store)) {
            return super.handle(request, response, callback);
        }
        store.sessionResolved();
        RequestedSession requested = RequestedSession.byAttribute(request);
        if (requested != null && requested.session() == null
                && store.loadFailedSince(requested.sessionId(), request.getBeginNanoTime())) {
            response.setStatus(HttpStatus.SERVICE_UNAVAILABLE_503);
            LanyardException.httpHeaders(HttpStatus.SERVICE_UNAVAILABLE_503).forEach(response.getHeaders()::put);
            Content.Sink.write(response, true, RedisUnavailableException.ANSWER, callback);
            return true;
        }
        RedisSessionStore s = store.getStore(); // read once: a restart may swap it
        if (s != null && s.refusesNewSessions()) {
            request.addHttpStreamWrapper(RetryAfterOn503::new);
        }
        return super.handle(request, response, callback);
    }

    /** Adds {@code Retry-After} to a 503 that Jetty's error handling writes (a session created while Redis is down). */
    private static final class RetryAfterOn503 extends HttpStream.Wrapper {
        RetryAfterOn503(HttpStream wrapped) {
            super(wrapped);
        }

        @Override
        public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content, Callback callback) {
            MetaData.Response r = response;
            if (r != null && r.getStatus() == HttpStatus.SERVICE_UNAVAILABLE_503 && !r.getHttpFields().contains(HttpHeader.RETRY_AFTER)) {
                r = new MetaData.Response(r.getStatus(), r.getReason(), r.getHttpVersion(), HttpFields.build(r.getHttpFields())
                        .put(HttpHeader.RETRY_AFTER, RedisUnavailableException.RETRY_AFTER_SECONDS), r.getContentLength(),
                        r.getTrailersSupplier());
            }
            super.send(request, r, last, content, callback);
        }
    }

    /**
     * A session could not be created because Redis is unreachable: Jetty answers 503 and, as the
     * exception is quiet (every HttpException is), logs no stack trace for it (the core logs the outage once).
     */
    public static class SessionStoreUnavailableException extends HttpException.RuntimeException {
        private static final long serialVersionUID = 1L;

        SessionStoreUnavailableException() {
            super(HttpStatus.SERVICE_UNAVAILABLE_503, RedisUnavailableException.ANSWER.strip());
        }
    }
}
