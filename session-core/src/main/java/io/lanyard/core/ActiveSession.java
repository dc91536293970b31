package io.lanyard.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One session while requests on this node use it: the request lifecycle both adapters share.
 * A request {@linkplain RedisSessionStore#enter enters} by the id in its cookie (no Redis call),
 * asks for the {@link #record()} when it first needs the session, and {@linkplain #leave leaves},
 * saving its changes; the last one out closes the entry.
 *
 * <p>Design notes.
 * <ul>
 * <li>Single flight: concurrent requests of one session on one node share one entry, one load
 *     and one {@link SessionRecord}. The first request to ask loads; the others wait for that load
 *     on a future, each until its own deadline (connect + read timeout from when it starts
 *     waiting), then fail with {@link LanyardException.RedisUnavailableException}. No lock is held
 *     across Redis I/O, so however many requests carry one cookie, none waits longer than its
 *     own timeouts (the loading request first waits for the previous request's save at most
 *     the connect timeout). A request that joins after the load records its access (store clock); a
 *     save writes it when what Redis holds no longer covers it, at most once per touch interval
 *     ({@link GivenTimes#joinedAccessDue}), so a long request cannot let the session expire early.</li>
 * <li>Saves of one record are serialized by the store (a per-record lock taken with a deadline),
 *     so concurrent requests each write their own changes without overwriting a newer value with
 *     an older one.</li>
 * <li>A closing entry (its last user is saving) takes no new users: the next request gets a new
 *     entry whose load first waits (again with a deadline) for that last save, so it never reads
 *     the session from before it.</li>
 * <li>The adapter may attach its own session object (Tomcat's {@code StandardSession}), created
 *     once per record and shared by the requests, and say what the last request out does with it
 *     ({@link #onLastLeave}).</li>
 * </ul>
 */
public final class ActiveSession {
    private static final System.Logger LOG = System.getLogger(ActiveSession.class.getName());
    private final RedisSessionStore store;
    /** Closing entry of the same id that this one replaced: its last save precedes this load. */
    private volatile ActiveSession predecessor;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile String id;
    // Guarded by this.
    private int users;
    private int creatorHolds;
    private boolean closing;
    private CompletableFuture<SessionRecord> load;
    private Object attachment;
    private SessionRecord attachedTo;
    private Runnable beforeLastSave = () -> { };
    private Runnable afterLast = () -> { };
    /** Store time of the latest request that joined this entry (0: none): see {@link #save}. */
    private long joinedAt;

    ActiveSession(RedisSessionStore store, String id, ActiveSession predecessor) {
        this.store = store;
        this.id = id;
        this.predecessor = predecessor;
        this.users = 1;
    }

    /** A new user joins, unless the entry is closing. */
    synchronized boolean join() {
        if (closing) {
            return false;
        }
        users++;
        joinedAt = store.now();
        return true;
    }

    synchronized boolean isClosing() {
        return closing;
    }

    /** The session id (without route suffix). */
    public String id() {
        return id;
    }

    /**
     * The session, loaded once for all requests of this entry (one Redis command).
     *
     * @return the record, or {@code null} when there is no such session (or it was invalidated, or
     *         its metadata is unreadable: {@link RedisSessionStore#lookup})
     * @throws LanyardException.RedisUnavailableException when Redis cannot be reached, or the load
     *                                                    by another request did not finish before
     *                                                    this request's own deadline
     */
    public SessionRecord record() {
        CompletableFuture<SessionRecord> f;
        boolean loader = false;
        synchronized (this) {
            if (load == null) {
                load = new CompletableFuture<>();
                loader = true;
            }
            f = load;
        }
        if (loader) {
            try {
                ActiveSession before = predecessor;
                if (before != null) {
                    // Within the connect timeout, as for a free connection: then this request's own
                    // load keeps it within its connect + read timeouts.
                    long wait = store.settings().getConnectTimeoutMillis();
                    try {
                        before.closed.get(wait, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        throw store.waitedTooLong(id, "the save", wait);
                    } catch (ExecutionException e) {
                        throw new IllegalStateException(e); // never: it only completes normally
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new LanyardException.RedisUnavailableException(id, "interrupted while waiting for the previous request's save", e);
                    }
                    predecessor = null;
                }
                f.complete(store.loadReadable(id));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
                if (e instanceof LanyardException.RedisUnavailableException) {
                    synchronized (this) {
                        if (load == f) {
                            load = null; // a later request of this entry tries again
                        }
                    }
                }
            }
        }
        return await(f, "the load of this session by another request");
    }

    /** True once the load has finished (the next {@link #record()} answers from memory). */
    public synchronized boolean isLoaded() {
        return load != null && load.isDone() && !load.isCompletedExceptionally();
    }

    /**
     * Makes this entry's session a new one (in memory until its first save) for the request that
     * entered to create it. That request's use of the entry becomes a creator hold, given back
     * when the creating request ends ({@link RequestScope#end}, {@link #creatorLeft}: the creation
     * API of a container does not say which request creates). When a live session is already loaded
     * or created here (another request sent the same client-chosen id), nothing is created and the
     * caller holds nothing: it leaves at once.
     *
     * @return true when this call created the session
     */
    public synchronized boolean create(int maxInactiveSeconds) {
        if (isLive()) {
            return false;
        }
        load = CompletableFuture.completedFuture(store.create(id, maxInactiveSeconds));
        creatorHolds++;
        return true;
    }

    /**
     * The creating request ended, but no request scope ended it ({@link RequestScope#end}): gives back
     * its creator holds; a failed save is a lost save ({@link RedisSessionStore#lostSave}).
     */
    public void creatorLeft() {
        RuntimeException failure = leaveCreatorHolds(null);
        if (failure != null) {
            store.lostSave(failure);
        }
    }

    /**
     * The creating request ends ({@link #create}): leaves the entry once per creator hold still
     * held, as {@link #leave}; nothing when another request's end gave them back already.
     */
    RuntimeException leaveCreatorHolds(RuntimeException earlier) {
        while (takeCreatorHold()) {
            earlier = leave(earlier);
        }
        return earlier;
    }

    private synchronized boolean takeCreatorHold() {
        if (creatorHolds == 0) {
            return false;
        }
        creatorHolds--;
        return true;
    }

    /**
     * The adapter's object for the current record, made by {@code factory} once per record and
     * shared by the requests of this entry.
     */
    @SuppressWarnings("unchecked")
    public synchronized <T> T attach(SessionRecord record, Function<SessionRecord, T> factory) {
        if (attachedTo != record) {
            attachment = factory.apply(record);
            attachedTo = record;
        }
        return (T) attachment;
    }

    /** The adapter's object attached to the current record, or {@code null}. */
    @SuppressWarnings("unchecked")
    public synchronized <T> T attachment() {
        return (T) attachment;
    }

    /**
     * What the last request out does with the attached object ({@link #attach}): {@code beforeLastSave}
     * before its save (e.g. passivation), {@code afterLast} once the entry is closed, also when the
     * save failed. Set by the attached object; forgotten with it.
     */
    public synchronized void onLastLeave(Runnable beforeLastSave, Runnable afterLast) {
        this.beforeLastSave = beforeLastSave;
        this.afterLast = afterLast;
    }

    /** The session was invalidated or expired: later requests of this entry see no session. */
    public synchronized void invalidated() {
        load = CompletableFuture.completedFuture(null);
        attachment = null;
        attachedTo = null;
        onLastLeave(() -> { }, () -> { });
    }

    /**
     * Stores what changed (nothing is sent when nothing changed), and the access of a request that
     * joined this entry after its load when it is due (see {@link TouchPolicy}): every user's save
     * carries it, so it is written when the first of them leaves, not only when the longest one
     * (a long poll) does. Does nothing when the session was never loaded or no longer exists here.
     *
     * @param last this is the last request using the session here (no other request holds its values)
     * @return what the save did, or {@code null} when there was nothing to save
     */
    SaveResult save(boolean last) {
        SessionRecord r;
        long joined;
        synchronized (this) {
            if (!isLoaded()) {
                return null;
            }
            r = load.join();
            joined = joinedAt;
        }
        if (r == null) {
            return null;
        }
        if (joined != 0) {
            // Joiners share the load, so its touch did not write their accesses: the save writes
            // the latest when what Redis holds no longer covers it (GivenTimes#joinedAccessDue).
            r.givenTimes.joined(joined);
        }
        return store.save(r, last);
    }

    /**
     * One request leaves and stores what it changed, so the client's next request sees it on any
     * node even while other requests of the session still run here (a download, a long poll).
     * The last one out runs the attached object's {@link #onLastLeave} steps. A failed save of an
     * earlier user is logged at DEBUG only: the changes stay in the shared record, and the last
     * request out saves them and reports a failure. After the store closed (the webapp stopped
     * while this request ran) nothing can be saved: a live session counts as a lost save.
     *
     * @param earlier a failure of the same request leaving another entry, or {@code null}
     * @return {@code earlier}, or the last user's failed save (added to {@code earlier} as
     *         suppressed when both failed)
     */
    public RuntimeException leave(RuntimeException earlier) {
        if (store.isClosed()) {
            if (isLive()) {
                store.lostSave(new IllegalStateException("a request of session " + this
                        + " ended after the webapp stopped; its session changes, if any, are not saved"));
            }
            return earlier;
        }
        try {
            if (!release()) {
                try {
                    save(false);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "Lanyard: early save of " + this + " failed: " + e);
                }
                return earlier;
            }
            Runnable before;
            Runnable after;
            synchronized (this) {
                before = beforeLastSave;
                after = afterLast;
            }
            try {
                before.run();
                SaveResult saved = save(true);
                if (saved != null && saved != SaveResult.GONE) {
                    store.keepDecoded(load.join()); // no request holds its values any more
                }
            } finally {
                close();
                after.run();
            }
            return earlier;
        } catch (RuntimeException e) {
            if (earlier == null) {
                return e;
            }
            earlier.addSuppressed(e);
            return earlier;
        }
    }

    private synchronized boolean isLive() {
        return isLoaded() && load.join() != null;
    }

    /** Ends one request's use without saving; true when it was the last user (the entry then takes no new users). */
    synchronized boolean release() {
        if (--users > 0) {
            return false;
        }
        closing = true;
        return true;
    }

    /** After the last user's save: removes the entry, so the next request loads afresh. */
    void close() {
        predecessor = null;
        store.table().closed(this);
        closed.complete(null);
    }

    /**
     * Moves the session to a new id (session fixation protection): the record is written under
     * the new id ({@link RedisSessionStore#changeId}) and this entry is found under it.
     *
     * @return false when the session no longer existed under its old id
     */
    public boolean changeId(String newId) {
        SessionRecord r = record();
        if (r == null) {
            return false;
        }
        String old = id;
        if (!store.changeId(r, newId)) {
            return false;
        }
        id = newId;
        store.table().renamed(this, old);
        return true;
    }

    private <T> T await(CompletableFuture<T> f, String what) {
        long budget = store.settings().callBudgetMillis();
        try {
            return f.get(budget, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new LanyardException.RedisUnavailableException(id, "waited " + budget + " ms (connect + read timeout) for "
                    + what + "; Redis is slow or unreachable", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new LanyardException(id, "session load failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LanyardException.RedisUnavailableException(id, "interrupted while waiting for " + what, e);
        }
    }

    @Override
    public String toString() {
        return "ActiveSession{" + SessionIds.abbreviate(id) + "}";
    }
}
