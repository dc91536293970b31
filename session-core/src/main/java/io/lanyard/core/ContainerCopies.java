package io.lanyard.core;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Sessions a container keeps a copy of and hands over whole to be stored (Jetty's
 * {@code SessionData}): which record such a store updates, and an id change that arrives as
 * "delete the old id, then store the copy under the new one".
 */
final class ContainerCopies {
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());

    private final RedisSessionStore store;
    /** Old ids of sessions whose id is changing ({@link RedisSessionStore#idChanging}). */
    private final Set<String> renaming = ConcurrentHashMap.newKeySet();

    /** The container's name for this node ({@link RedisSessionStore#containerCopies}). */
    private volatile String thisNode;

    ContainerCopies(RedisSessionStore store) {
        this.store = store;
    }

    void thisNode(String name) {
        this.thisNode = name;
    }

    /** "This node" is stored under Lanyard's {@code nodeName} (what Tomcat nodes write too); any other name as given. */
    String nodeToStore(String lastNode) {
        return Objects.equals(lastNode, thisNode) ? store.settings().getNodeName() : lastNode;
    }

    String nodeLoaded(String storedNode) {
        return store.settings().getNodeName().equals(storedNode) ? thisNode : storedNode;
    }

    void idChanging(String oldId) {
        renaming.add(oldId);
    }

    /** True when the delete of {@code id} is the first step of an id change: the following store moves the record. */
    boolean skipsDelete(String id) {
        return renaming.remove(id);
    }

    /** See {@link RedisSessionStore#storeCopy}. */
    void store(String id, SessionRecord record, boolean storedBefore, int maxInactiveSeconds, Consumer<SessionRecord> sync,
               IntSupplier requestsHere) {
        boolean renamed = false;
        try {
            // A copy not made from a record (Jetty's conformance suite builds its own) saved before
            // (by another store instance, e.g. after a restart) is updated, else created.
            SessionRecord r = record != null ? record : storedBefore ? store.peek(id) : null;
            r = r != null ? r : store.create(id, maxInactiveSeconds);
            renamed = !r.id().equals(id);
            if (renamed) {
                renaming.remove(r.id()); // the container's delete of the old id came first and was skipped
            }
            sync.accept(r);
            if (!renamed) {
                int requests = requestsHere.getAsInt();
                // GONE (invalidated elsewhere or expired) is not brought back.
                if (store.save(r, requests <= 1) != SaveResult.GONE && requests <= 0) {
                    store.keepDecoded(r); // the last request using it here left: no record holds its values any more
                }
            } else if (!store.changeId(r, id)) { // the whole record moves (no RENAME)
                LOG.log(System.Logger.Level.INFO, "Session " + r + " was invalidated elsewhere during its id change; not stored");
            }
        } catch (RuntimeException e) {
            if (renamed) {
                // An id change runs inside the request (Jetty's renewSessionId, which logs the failure
                // and goes on with the new id): the session stays in Redis under its old id, and stays
                // to be stored in Jetty's cache, so a later store of it moves it. Counted as a lost
                // save, nothing of it would be stored again.
                throw e;
            }
            store.lostSave(e); // counted, one WARNING per cause and minute, not a stack trace per request
        }
    }
}
