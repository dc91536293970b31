package io.lanyard.core;

import io.lanyard.bench.shop.ShopSession;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Encode and decode cost of one realistic shop session (auth token, preferences map, cart of 20
 * line items with BigDecimal prices, timestamp), attribute by attribute as the stores write them,
 * for Lanyard's codec, JDK serialization (Spring Session's default) and Redisson's default Kryo5Codec.
 * Encoded sizes are reported by {@link io.lanyard.bench.RunAll} from the same codecs.
 *
 * <p>Package {@code io.lanyard.core}: the codec under test is package-private, and this class
 * reaches it through the same package name on the class path (the core jar is not sealed and not a
 * named module) instead of widening the core's API for a benchmark.
 *
 * <p>Run alone: {@code java -cp "benchmarks/target/classes:$(cat benchmarks/target/bench/classpath.txt)"
 * org.openjdk.jmh.Main CodecBenchmark}; normally run by {@code ./mvnw -B -pl benchmarks -am verify -Pbench -DskipTests}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {
    @Param({"LANYARD", "JDK", "REDISSON_KRYO5"})
    public BenchCodecs codec;

    private BenchCodecs.Codec impl;
    private Map<String, Object> session;
    private List<byte[]> encoded;

    @Setup
    public void setUp() {
        impl = codec.create(CodecBenchmark.class.getClassLoader());
        session = ShopSession.attributes(42);
        encoded = impl.encodeAll(session);
    }

    /** All four attributes of the session encoded. */
    @Benchmark
    public void encode(Blackhole bh) {
        for (Object v : session.values()) {
            bh.consume(impl.encode(v));
        }
    }

    /** All four attributes of the session decoded. */
    @Benchmark
    public void decode(Blackhole bh) {
        for (byte[] b : encoded) {
            bh.consume(impl.decode(b));
        }
    }
}
