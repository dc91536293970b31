package io.lanyard.jetty;

import java.nio.ByteBuffer;
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
import org.eclipse.jetty.util.Callback;

/**
 * Answers {@code 503 Service Unavailable} with {@code Retry-After} (short plain text) for a
 * request whose session could not be loaded because Redis is unreachable, before the webapp runs.
 *
 * <p>Design notes. Jetty's session manager swallows any exception from the store's load: it logs
 * a WARN with a stack trace and lets the request go on <em>without</em> its session, so the
 * webapp would answer "logged out", or create a new session and overwrite the user's cookie
 * although the session is still in Redis. There is no hook to make that load fail the request,
 * and a handler in front of the context runs before the load. So this handler sits directly
 * after the webapp's {@code SessionHandler} (inserted there by
 * {@link RedisSessionDataStoreFactory}, one per webapp, bound to that webapp's store):
 * <ul>
 * <li>the store's load, on {@code RedisUnavailableException}, notes the failure under the session
 *     id and reports "no session" (so Jetty logs nothing; the core logs one line per outage);</li>
 * <li>this handler, right after the session lookup, answers 503 when the request asked for a
 *     session, got none, and the store noted a failed load of that id since the request began.
 *     The response sets no cookie, so the browser keeps its session id and, once Redis is back,
 *     the same session is served again.</li>
 * </ul>
 * No per-request state lives in the store or in a thread. Requests without a session id pass
 * unchanged, also while Redis is down. A request that creates a session while Redis is known to
 * be down gets a 503 from {@link RedisSessionDataStore#newSessionData} through Jetty's error
 * handling; while Redis is down this handler adds {@code Retry-After} to such a 503.
 */
public class RedisUnavailableHandler extends Handler.Wrapper {
    /** The response body. */
    public static final String MESSAGE = "Service Unavailable: the session store (Redis) cannot be reached";
    /** Seconds a client should wait before retrying. */
    static final String RETRY_AFTER_SECONDS = "5";

    private final RedisSessionDataStore store;

    /**
     * @param store the store of the webapp whose {@code SessionHandler} this handler directly follows
     */
    public RedisUnavailableHandler(RedisSessionDataStore store) {
        this.store = store;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        RequestedSession requested = RequestedSession.byAttribute(request);
        if (requested != null && requested.session() == null
                && store.loadFailedSince(requested.sessionId(), request.getBeginNanoTime())) {
            response.setStatus(HttpStatus.SERVICE_UNAVAILABLE_503);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            response.getHeaders().put(HttpHeader.RETRY_AFTER, RETRY_AFTER_SECONDS);
            Content.Sink.write(response, true, MESSAGE + "\n", callback);
            return true;
        }
        if (store.getStore() != null && (store.getStore().isRedisDown() || store.getStore().isRedisFull())) {
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
                r = new MetaData.Response(r.getStatus(), r.getReason(), r.getHttpVersion(),
                        HttpFields.build(r.getHttpFields()).put(HttpHeader.RETRY_AFTER, RETRY_AFTER_SECONDS),
                        r.getContentLength(), r.getTrailersSupplier());
            }
            super.send(request, r, last, content, callback);
        }
    }
}
