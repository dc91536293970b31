package io.lanyard.core;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * One request's use of an application's sessions, for a container whose request boundaries nest or
 * repeat (Tomcat: async dispatches re-enter the valve, a forward fires a nested
 * {@code requestDestroyed}). The adapter keeps the scope with its request (a request attribute) and
 * matches every {@link #enter} with an {@link #exit}.
 *
 * <p>Opened by the request's first entry (entering the session of its cookie: no Redis call),
 * re-entered by every later entry while open; the adapter ends it once no entry is in progress.
 * Ending happens once: it leaves the entered session and gives back the creator holds of a session
 * the request created ({@link ActiveSession#create}), each saving what changed, and collects their
 * failures. Guarded by its monitor.
 */
public final class RequestScope {
    private final RedisSessionStore store;
    /** The entry of the session the request's cookie names, or {@code null} when it names none. */
    private final ActiveSession entered;
    /** Entries of the request in progress. */
    private int depth = 1;
    private boolean ended;

    private RequestScope(RedisSessionStore store, ActiveSession entered) {
        this.store = store;
        this.entered = entered;
    }

    /**
     * A request enters: the open scope {@code current} re-entered (an async dispatch), else a new
     * scope that entered the session {@code cookieValue} names ({@link RedisSessionStore#enter}, no
     * Redis call).
     *
     * @param current the scope the request holds from an earlier entry, or {@code null}
     */
    public static RequestScope enter(RedisSessionStore store, RequestScope current, String cookieValue) {
        if (current != null && current.reenter()) {
            return current;
        }
        return new RequestScope(store, store.enter(cookieValue));
    }

    private synchronized boolean reenter() {
        if (ended) {
            return false;
        }
        depth++;
        return true;
    }

    /** One entry of the request is over; the scope stays open for {@link #end}. */
    public synchronized void exit() {
        depth--;
    }

    /** True while an entry of the request is in progress: an end event now is a nested one (a forward's). */
    public synchronized boolean inProgress() {
        return depth > 0;
    }

    /**
     * Ends the scope, once (later calls return {@code null} and do nothing).
     *
     * @param created   the entry of the session the request uses (e.g. one it created), or
     *                  {@code null}; only asked when that cannot reach Redis (see below)
     * @param committed asked after the saves: true when the client can no longer be told, so a
     *                  failed save is a lost save ({@link RedisSessionStore#lostSave})
     * @return the failure of a save to answer, or {@code null}
     */
    public RuntimeException end(Supplier<ActiveSession> created, BooleanSupplier committed) {
        synchronized (this) {
            if (ended) {
                return null;
            }
            ended = true;
        }
        RuntimeException failure = null;
        try {
            // The container's session of the request can only be asked for when that cannot reach
            // Redis: either no session was requested (so only a session created by this request can
            // be returned), or the requested one was already loaded (its entry answers from memory).
            // Otherwise a session created by the request gives its holds back when the container
            // recycles the request. Asked before leaving: the last leave detaches the session.
            ActiveSession used = entered == null || entered.isLoaded() ? created.get() : null;
            if (entered != null) {
                failure = entered.leave(null);
            }
            if (used != null) {
                failure = used.leaveCreatorHolds(failure);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (failure != null && committed.getAsBoolean()) {
            store.lostSave(failure);
            return null;
        }
        return failure;
    }
}
