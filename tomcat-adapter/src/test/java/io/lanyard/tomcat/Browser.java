package io.lanyard.tomcat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A minimal HTTP client with one JSESSIONID cookie, sent to whichever node a test picks. */
final class Browser {
    private static final Pattern SESSION_COOKIE = Pattern.compile("JSESSIONID=([^;]*)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    volatile String cookie;

    Browser() {
    }

    Browser(String cookie) {
        this.cookie = cookie;
    }

    HttpResponse<String> send(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        String c = cookie;
        if (c != null) {
            b.header("Cookie", "JSESSIONID=" + c);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            for (String h : r.headers().allValues("Set-Cookie")) {
                Matcher m = SESSION_COOKIE.matcher(h);
                if (m.find()) {
                    cookie = m.group(1);
                }
            }
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("request to " + url + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Sends and returns the body, failing unless the status is 200. */
    String get(String url) {
        HttpResponse<String> r = send(url);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** The stored session id: the cookie without its route suffix. */
    String sessionId() {
        String c = cookie;
        int dot = c == null ? -1 : c.indexOf('.');
        return dot < 0 ? c : c.substring(0, dot);
    }
}
