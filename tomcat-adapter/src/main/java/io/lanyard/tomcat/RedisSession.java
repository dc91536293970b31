package io.lanyard.tomcat;

import io.lanyard.core.ActiveSession;
import io.lanyard.core.SessionRecord;
import org.apache.catalina.realm.GenericPrincipal;
import org.apache.catalina.session.StandardSession;

import java.security.Principal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Tomcat session whose state is a {@link SessionRecord}: attributes live in the record (its
 * {@link SessionRecord#asMap() map view} is {@code StandardSession.attributes}), times and timeout
 * come from Redis. Tomcat's event code (listeners, binding, activation, expiry) is inherited.
 *
 * <p>Not a cache entry: a node holds the object only while requests use it (see
 * {@link RedisSessionManager}); expiry is decided cluster-wide by the store, never by this object.
 */
final class RedisSession extends StandardSession {
    private static final long serialVersionUID = 1L;

    /** Reserved attribute keeping the login as plain strings ({@link SessionRecord#setLogin}): no Tomcat classes in Redis. */
    static final String AUTH_ATTRIBUTE = "io.lanyard.tomcat.principal";

    private transient volatile SessionRecord record;
    /** The core's entry that shares this object between concurrent requests; null for detached copies. */
    final transient ActiveSession active;
    /** Set when the store's scavenger expires the session: it deletes the hash itself. */
    private transient volatile boolean expiredByStore;
    /** No request holds this object any more (its entry closed), or none ever did (a detached copy): changes are written through. */
    private transient volatile boolean released;

    /**
     * @param active the core's entry of the requests using the session; {@code null} for a detached copy
     *               (outside any request of this context, or expired), which has its id but is not registered
     */
    RedisSession(RedisSessionManager manager, SessionRecord record, ActiveSession active) {
        super(manager);
        this.record = record;
        this.active = active;
        if (active != null) {
            active.onLastLeave(this::passivate, () -> {
                // Code that still has the object (an application's requestDestroyed listener,
                // a request's cached session) writes its changes through from now on.
                released = true;
                manager.remove(this, false);
            });
        }
        this.attributes = record.asMap();
        this.creationTime = record.creationTime();
        this.lastAccessedTime = record.lastAccessedTime();
        this.thisAccessedTime = record.accessedTime();
        this.maxInactiveInterval = record.maxInactiveSeconds();
        restoreAuthentication();
        if (active == null) {
            this.id = manager.tomcatId(record.id());
            this.isValid = true;
            this.released = true;
        }
    }

    SessionRecord record() {
        return record;
    }

    /**
     * Activation with lazily decoded attributes: Tomcat's activation runs for the attributes
     * decoded so far, and an attribute decoded later gets its {@code sessionDidActivate} when it is
     * first read. Attributes never read were never activated and are not passivated either (their
     * bytes in Redis stay as they are).
     */
    @Override
    public void activate() {
        onDecodedOnly(super::activate);
        record.setDecodeListener((name, value) -> {
            if (value instanceof jakarta.servlet.http.HttpSessionActivationListener listener) {
                try {
                    listener.sessionDidActivate(new jakarta.servlet.http.HttpSessionEvent(getSession()));
                } catch (Throwable t) {
                    org.apache.tomcat.util.ExceptionUtils.handleThrowable(t);
                    manager.getContext().getLogger().error("Lanyard: sessionDidActivate failed for attribute " + name, t);
                }
            }
        });
    }

    @Override
    public void passivate() {
        onDecodedOnly(super::passivate);
    }

    /**
     * Runs Tomcat's activation or passivation on the attributes decoded so far, so it does not
     * decode (and later re-encode) attributes the request never reads. Safe to swap the map: no
     * other request uses the session then (activation runs when the core's entry attaches this
     * object, passivation when the last request leaves).
     */
    private void onDecodedOnly(Runnable step) {
        java.util.concurrent.ConcurrentMap<String, Object> live = attributes;
        attributes = record.decodedAsMap();
        try {
            step.run();
        } finally {
            attributes = live;
        }
    }

    private void restoreAuthentication() {
        List<String> login = record.login(AUTH_ATTRIBUTE);
        if (login != null) {
            this.authType = login.get(0).isEmpty() ? null : login.get(0);
            this.principal = new GenericPrincipal(login.get(1), new ArrayList<>(login.subList(2, login.size())));
        }
    }

    private void storeAuthentication() {
        record.setLogin(AUTH_ATTRIBUTE, authType, principal == null ? null : principal.getName(),
                principal instanceof GenericPrincipal gp ? Arrays.asList(gp.getRoles()) : List.of());
    }

    @Override
    public void setPrincipal(Principal principal) {
        super.setPrincipal(principal);
        storeAuthentication();
    }

    @Override
    public void setAuthType(String authType) {
        super.setAuthType(authType);
        if (principal != null) {
            storeAuthentication();
        }
    }

    @Override
    public void setMaxInactiveInterval(int interval) {
        super.setMaxInactiveInterval(interval);
        record.setMaxInactiveSeconds(interval);
        writeThrough();
    }

    @Override
    public void setAttribute(String name, Object value, boolean notify) {
        super.setAttribute(name, value, notify);
        writeThrough();
    }

    @Override
    public void removeAttribute(String name, boolean notify) {
        super.removeAttribute(name, notify);
        writeThrough();
    }

    /** A released or detached session writes a change through at once ({@link io.lanyard.core.RedisSessionStore#saveOrCountLost}). */
    private void writeThrough() {
        RedisSessionManager m = (RedisSessionManager) manager;
        if (released && !expiredByStore && !expiring && isValidInternal() && m.isRunning()) {
            m.store().saveOrCountLost(record);
        }
    }

    /** Validity is the local invalidation flag only: expiry is decided by the store, cluster-wide. */
    @Override
    public boolean isValid() {
        return isValid;
    }

    /** Access times come from Redis (the load refreshed them); nothing to track locally. */
    @Override
    public void access() {
    }

    /** Tomcat recycles a request that had this session: its creator holds go back if its scope did not return them. */
    @Override
    public void endAccess() {
        isNew = false;
        if (active != null && ((RedisSessionManager) manager).isRunning()) {
            active.creatorLeft();
        }
    }

    /** Fires the destroy events of a session the store's expiry claimed (it deletes the hash); activated first for the listeners. */
    void expireFromStore() {
        expiredByStore = true;
        activate();
        expire(true); // listeners run under the webapp's class loader (StandardSession.expire)
    }

    @Override
    public void expire(boolean notify) {
        if (!isValid || expiring) {
            return;
        }
        if (active == null && !expiredByStore) {
            // A copy outside any request of this context (the manager webapp, JMX, a cross-context
            // call): expired through the core's claim, so its listeners run once cluster-wide (here,
            // before this returns), and not at all here when another node is expiring it already.
            ((RedisSessionManager) manager).store().expireNow(record.id());
            setValid(false);
            return;
        }
        if (!expiredByStore && !record.isNew()) {
            // invalidate(): delete in Redis first, so no other node can load it any more; the
            // local listeners then run here, once, with the attributes still readable.
            ((RedisSessionManager) manager).store().delete(record.id());
        }
        super.expire(notify);
    }

    @Override
    public String toString() {
        return "RedisSession[" + record + "]";
    }

    /**
     * Makes this a copy listed with metadata only ({@link RedisSessionManager#findSessions}): its whole record is read
     * when its attributes are first used (an operator shows the session), then its login restored.
     */
    RedisSession listed() {
        attributes = record.asMapLoadedOnUse(() -> ((RedisSessionManager) manager).store().peek(record.id()), full -> {
            record = full;
            restoreAuthentication();
        });
        return this;
    }
}
