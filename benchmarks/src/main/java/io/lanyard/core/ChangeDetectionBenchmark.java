package io.lanyard.core;

import io.lanyard.bench.shop.ShopSession;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CPU cost of deciding what a save writes ({@code SessionRecord.delta}) for a 20-attribute
 * session: 10 immutable values (strings, numbers: skipped without encoding unless set) and 10
 * mutable ones (the shop cart and preferences, lists and maps: compared with their snapshots taken
 * when decoded, and re-encoded and compared byte by byte when a snapshot differs, which is how
 * in-place mutations are found). {@code change=NONE}: nothing changed (the
 * save sends nothing); {@code SET_STRING}: one string attribute was set; {@code CART_IN_PLACE}:
 * the cart was mutated without setAttribute.
 *
 * <p>Package {@code io.lanyard.core} to reach the package-private {@link SessionRecord#delta} and
 * {@link AttributeCodec} without widening the core API (same package on the class path; the core
 * jar is not sealed and not a named module).
 *
 * <p>Run: {@code ./mvnw -B -pl benchmarks -am verify -Pbench -DskipTests} (all benchmarks), see RESULTS.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChangeDetectionBenchmark {
    public enum Change { NONE, SET_STRING, CART_IN_PLACE }

    @Param({"NONE", "SET_STRING", "CART_IN_PLACE"})
    public Change change;

    /** true: as a load leaves the record (snapshots taken at decode); false: values put without snapshots (every read value encoded). */
    @Param({"true", "false"})
    public boolean snapshots;

    private AttributeCodec codec;
    private SessionRecord record;

    @Setup(Level.Iteration)
    public void setUp() {
        codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.bench.**"), getClass().getClassLoader(), MetricsRecorder.create(false));
        record = new SessionRecord("benchmarkSession0123456789", 1L, 1L, 1L, 1800, 1_801_000L, 1, "node", false, new TouchPolicy(-1));
        if (snapshots) {
            // As a load leaves it: bytes decoded on first read (with their snapshots), every attribute read.
            record.decoder = PendingAttributes.of(codec, null, (name, e) -> {
                throw new IllegalStateException(e);
            });
            for (Map.Entry<String, Object> e : twentyAttributes().entrySet()) {
                record.putPending(e.getKey(), codec.encode(e.getValue()));
            }
            for (String name : twentyAttributes().keySet()) {
                record.getAttribute(name);
            }
        } else {
            for (Map.Entry<String, Object> e : twentyAttributes().entrySet()) {
                record.putLoaded(e.getKey(), e.getValue(), codec.encode(e.getValue()));
            }
        }
        if (change == Change.SET_STRING) {
            record.setAttribute("lastPage", "/checkout/payment");
        }
    }

    /** What a save after one request computes (the record is not committed, so every call sees the same state). */
    @Benchmark
    public Changes.Delta delta() {
        if (change == Change.CART_IN_PLACE) {
            ((io.lanyard.bench.shop.Cart) record.getAttribute(ShopSession.CART)).bumpFirst();
        }
        return Changes.delta(record, codec);
    }

    static Map<String, Object> twentyAttributes() {
        Map<String, Object> m = new LinkedHashMap<>(ShopSession.attributes(7)); // token, prefs, cart, lastVisit
        m.put("userId", 1234567L);
        m.put("userName", "alice@example.com");
        m.put("displayName", "Alice Example");
        m.put("role", "customer");
        m.put("csrfToken", "c2a9f6f0-3b1e-4c4b-9d52-7f1f8d1e0a55");
        m.put("lastPage", "/catalogue/outdoor/tents");
        m.put("visits", 17);
        m.put("loggedIn", Boolean.TRUE);
        List<String> recent = new ArrayList<>(List.of("SKU-100001", "SKU-100002", "SKU-100003", "SKU-100004", "SKU-100005"));
        m.put("recentlyViewed", recent);
        m.put("wishlist", new ArrayList<>(List.of("SKU-200001", "SKU-200002")));
        Map<String, Integer> flags = new LinkedHashMap<>();
        flags.put("newCheckout", 1);
        flags.put("recommendations", 0);
        m.put("featureFlags", flags);
        m.put("compare", new ArrayList<>(List.of("SKU-300001", "SKU-300002", "SKU-300003")));
        Map<String, String> address = new LinkedHashMap<>();
        address.put("street", "Hauptstrasse 1");
        address.put("city", "Berlin");
        address.put("zip", "10115");
        m.put("shippingAddress", address);
        m.put("couponCodes", new ArrayList<>(List.of("WELCOME10")));
        Map<String, Long> timings = new LinkedHashMap<>();
        timings.put("search", 120L);
        m.put("searchHistory", new ArrayList<>(List.of("tent", "sleeping bag", "stove")));
        m.put("abTests", timings);
        if (m.size() != 20) {
            throw new IllegalStateException("expected 20 attributes, got " + m.size());
        }
        return m;
    }
}
