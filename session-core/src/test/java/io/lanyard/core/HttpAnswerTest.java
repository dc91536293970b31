package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Lanyard's own answer to a failed request ({@link LanyardException#httpAnswer}), the same on both containers. */
class HttpAnswerTest {

    @Test
    void redisUnavailableDeepInTheCauseChainIsA503WithRetryAfter() {
        Throwable wrapped = new IOException("container wrapper",
                new LanyardException.RedisUnavailableException("S1", "read timed out", null));
        Answer a = Answer.of(wrapped);
        assertEquals(503, a.status);
        assertEquals(LanyardException.RedisUnavailableException.ANSWER, a.body);
        assertEquals(Map.of("Content-Type", "text/plain;charset=utf-8", "Cache-Control", "no-store",
                "Retry-After", LanyardException.RedisUnavailableException.RETRY_AFTER_SECONDS,
                "Content-Length", Integer.toString(a.bytes)), a.headers);
    }

    @Test
    void aFullRedisIsA503WithItsOwnText() {
        Answer a = Answer.of(new LanyardException.RedisFullException("S1", "OOM", null));
        assertEquals(503, a.status);
        assertEquals(LanyardException.RedisFullException.FULL_ANSWER, a.body);
    }

    @Test
    void aRefusedSaveIsA500WithoutRetryAfter() {
        Answer a = Answer.of(new LanyardException.SessionTooLargeException("S1", "too large"));
        assertEquals(500, a.status);
        assertEquals("500 Internal Server Error: the session could not be saved.\n", a.body);
        assertEquals(Map.of("Content-Type", "text/plain;charset=utf-8", "Cache-Control", "no-store",
                "Content-Length", Integer.toString(a.bytes)), a.headers);
    }

    /** What an adapter writes. */
    private static final class Answer {
        int status;
        final Map<String, String> headers = new TreeMap<>();
        String body;
        int bytes;

        static Answer of(Throwable failure) {
            Answer a = new Answer();
            byte[] body = LanyardException.httpAnswer(failure, s -> a.status = s, a.headers::put);
            a.body = new String(body, StandardCharsets.UTF_8);
            a.bytes = body.length;
            return a;
        }
    }
}
