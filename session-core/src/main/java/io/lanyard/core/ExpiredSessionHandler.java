package io.lanyard.core;

/**
 * Receives each expired session exactly once cluster-wide (at least once if the claiming node
 * dies before it finishes), with its attributes still readable. The adapter runs the container's
 * {@code sessionDestroyed} listeners here. When it returns, the session is deleted; when it
 * throws, the failure is logged and the session is deleted all the same (a listener bug must not
 * keep a dead session forever).
 */
@FunctionalInterface
public interface ExpiredSessionHandler {
    void expired(SessionRecord session);
}
