package io.lanyard.jetty;

import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.QuietException;

/**
 * A session could not be created because Redis is unreachable: Jetty answers 503 and, as the
 * exception is quiet, logs no stack trace for it (the core logs the outage once).
 */
public class SessionStoreUnavailableException extends HttpException.RuntimeException implements QuietException {
    private static final long serialVersionUID = 1L;

    SessionStoreUnavailableException() {
        super(HttpStatus.SERVICE_UNAVAILABLE_503, RedisUnavailableHandler.MESSAGE);
    }
}
