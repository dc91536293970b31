package io.lanyard.jetty;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.session.AbstractSessionManager.RequestedSession;
import org.eclipse.jetty.util.Callback;

/**
 * Answers {@code 503 Service Unavailable} (short plain text) for a request whose session could
 * not be loaded because Redis is unreachable, before the webapp runs.
 *
 * <p>Design notes. Jetty's session manager swallows any exception from the store's load: it logs
 * a WARN with a stack trace and lets the request go on <em>without</em> its session, so the
 * webapp would answer "logged out", or create a new session and overwrite the user's cookie
 * although the session is still in Redis. There is no hook to make that load fail the request,
 * and a handler in front of the context runs before the load. So this handler sits directly
 * after the webapp's {@code SessionHandler} (inserted there by
 * {@link RedisSessionDataStoreFactory}, one per webapp, bound to that webapp's store; Jetty's
 * {@code ServletContextHandler} keeps such wrappers when it relinks its handlers):
 * <ul>
 * <li>the store's load, on {@code RedisUnavailableException}, notes the failed id for the current
 *     thread and reports "no session" (so Jetty logs nothing; the core logs one line per outage);</li>
 * <li>this handler, on the same thread right after the session lookup, takes the note and, when it
 *     names this request's session id, answers 503 instead of running the webapp. The note is
 *     cleared when the request leaves this handler, so a load later in the request cannot leave
 *     it on a pooled thread for another request. The response sets no cookie, so the browser keeps its
 *     session id and, once Redis is back, the same session is served again (no state here).</li>
 * </ul>
 * Requests without a session id never reach Redis and pass unchanged, also while Redis is down;
 * so do requests of other webapps. A request creating a new session while the store knows Redis
 * is down gets a 503 from {@link RedisSessionDataStore#newSessionData} instead.
 */
public class RedisUnavailableHandler extends Handler.Wrapper {
    /** The response body. */
    public static final String MESSAGE = "Service Unavailable: the session store (Redis) cannot be reached";

    private final RedisSessionDataStore store;

    /**
     * @param store the store of the webapp whose {@code SessionHandler} this handler directly
     *              follows; from now on its load reports an unreachable Redis to this handler
     *              instead of throwing into Jetty
     */
    public RedisUnavailableHandler(RedisSessionDataStore store) {
        this.store = store;
        store.guarded();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        try {
            RequestedSession requested = RequestedSession.byAttribute(request);
            // The note names the id whose load failed: a note left by anything else is ignored.
            if (store.takeUnavailableLoad(requested.sessionId()) && requested.session() == null) {
                response.setStatus(HttpStatus.SERVICE_UNAVAILABLE_503);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                Content.Sink.write(response, true, MESSAGE + "\n", callback);
                return true;
            }
            return super.handle(request, response, callback);
        } finally {
            // A load later in this request (or in the webapp) must not leave a note on this
            // pooled thread for a later request.
            store.clearUnavailableLoad();
        }
    }
}
