package io.lanyard.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The one way tests wait: poll a condition until it holds or a deadline passes, then fail naming
 * what was awaited. Used instead of fixed sleeps, so a test on a slow, shared machine waits only as
 * long as it must and still fails, rather than hangs, when the condition never comes.
 *
 * <pre>
 * Await.until(Duration.ofSeconds(30), "the hash is gone", () -> !redis.exists(key));
 * String url = Await.untilNonNull(Duration.ofSeconds(180), "the launcher prints its URL", () -> readyUrl(log));
 * </pre>
 *
 * <p>An exception thrown by the condition ends the wait at once (a checked one wrapped in an
 * {@link AssertionError}), so an unexpected error is never mistaken for "not yet". A condition that
 * may fail while the system is not ready (a node still starting, Redis still restarting) catches
 * exactly that exception and answers "not yet".
 */
public final class Await {
    /** Polls back off from 1 ms to this, so a short wait ends promptly and a long one costs little. */
    private static final long MAX_POLL_MILLIS = 50;

    private Await() {
    }

    /** A condition to poll; it may throw checked exceptions (I/O against a test server). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} until it holds; fails with {@code what} after {@code timeout}. */
    public static void until(Duration timeout, String what, Condition condition) {
        until(timeout, () -> what, condition);
    }

    /**
     * As {@link #until(Duration, String, Condition)}, with the description built only on failure
     * (so it can carry a log file's content at that moment).
     */
    public static void until(Duration timeout, Supplier<String> what, Condition condition) {
        untilNonNull(timeout, what, () -> condition.holds() ? Boolean.TRUE : null);
    }

    /** Polls {@code attempt} until it returns a value other than null, and returns that value. */
    public static <T> T untilNonNull(Duration timeout, String what, Callable<T> attempt) {
        return untilNonNull(timeout, () -> what, attempt);
    }

    /** As {@link #untilNonNull(Duration, String, Callable)}, with the description built only on failure. */
    public static <T> T untilNonNull(Duration timeout, Supplier<String> what, Callable<T> attempt) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 1;
        while (true) {
            T value;
            try {
                value = attempt.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what.get(), e);
            } catch (Exception e) {
                throw new AssertionError("failed while waiting until " + what.get(), e);
            }
            if (value != null) {
                return value;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("timed out after " + format(timeout) + " waiting until " + what.get());
            }
            try {
                Thread.sleep(pause);
                pause = Math.min(2 * pause, MAX_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting until " + what.get(), e);
            }
        }
    }

    private static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
