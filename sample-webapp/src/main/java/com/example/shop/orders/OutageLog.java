package com.example.shop.orders;

import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The log of a background loop that keeps retrying Redis (the order worker, the status subscriber): one WARNING
 * when an outage begins, one INFO when the loop works again, and the failed retries in between only at FINE. So a
 * Redis that is down for an hour costs two lines, not one every retry.
 *
 * <p>Each instance is used by its loop's thread only.
 */
final class OutageLog {
    /** How long a loop waits after a failed Redis call before it tries again. */
    static final long RETRY_MILLIS = 2000;

    private final Logger log;
    private final Supplier<String> what;
    private long downSince;
    private boolean down;

    /** @param what names the loop in every line, e.g. {@code "order worker tomcat-1"} (asked each time: it may change) */
    OutageLog(Logger log, Supplier<String> what) {
        this.log = log;
        this.what = what;
    }

    /** A Redis call of the loop failed; the loop waits {@link #RETRY_MILLIS} and tries again. */
    void failed(RuntimeException e) {
        if (!down) {
            down = true;
            downSince = System.nanoTime();
            log.warning(what.get() + ": Redis call failed (" + e + "); retrying every " + RETRY_MILLIS / 1000
                    + " s, the recovery is logged");
        } else {
            log.log(Level.FINE, what.get() + ": Redis call failed again (" + e + ")");
        }
    }

    /** A Redis call of the loop succeeded: ends the outage, if there was one. */
    void succeeded() {
        if (down) {
            down = false;
            log.info(what.get() + ": Redis works again after " + (System.nanoTime() - downSince) / 1_000_000 + " ms");
        }
    }
}
