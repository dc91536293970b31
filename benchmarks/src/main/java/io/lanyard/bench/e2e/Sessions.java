package io.lanyard.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Creates sessions through {@code /shop/login} and talks to the server for set-up and checks (not for load). */
public final class Sessions {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    public Sessions(int port) {
        this.port = port;
    }

    /** GET with an optional cookie; returns status and body. */
    public HttpResponse<String> get(String path, String cookie) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Logs in {@code n} times (4 parallel clients); returns the "name=value" session cookies. */
    public List<String> login(int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fs.add(pool.submit(() -> {
                    HttpResponse<String> r = get("/shop/login", null);
                    if (r.statusCode() != 200) {
                        throw new IOException("login answered " + r.statusCode());
                    }
                    Optional<String> c = r.headers().allValues("Set-Cookie").stream().findFirst();
                    return c.orElseThrow(() -> new IOException("login set no cookie")).split(";", 2)[0].trim();
                }));
            }
            List<String> cookies = new ArrayList<>();
            for (Future<String> f : fs) {
                cookies.add(f.get());
            }
            return cookies;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The session id a cookie carries as the store keys it: route suffix stripped, Spring's base64 decoded. */
    public static String storedId(String cookie) {
        String[] nv = cookie.split("=", 2);
        String value = nv[1];
        if (nv[0].equals("SESSION")) {
            return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        }
        int dot = value.indexOf('.');
        return dot < 0 ? value : value.substring(0, dot);
    }
}
