package io.lanyard.core;

import io.lanyard.core.fixtures.Cart;
import io.lanyard.core.fixtures.Customer;
import io.lanyard.core.fixtures.Faces;
import io.lanyard.core.fixtures.Greeter;
import io.lanyard.core.fixtures.GreeterHandler;
import io.lanyard.core.fixtures.Money;
import io.lanyard.core.fixtures.Tier;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.*;

/** Round trips on the running JDK (the build also runs this on JDK 25 when present) without --add-opens. */
class AttributeCodecTest {
    private final MetricsRecorder metrics = MetricsRecorder.create(true);
    private final AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.**"),
            getClass().getClassLoader(), metrics);

    private Object roundTrip(Object value) throws Exception {
        return codec.decode(codec.encode(value));
    }

    @Test
    void simpleValuesAreTaggedText() throws Exception {
        assertEquals("s:alice", new String(codec.encode("alice"), StandardCharsets.UTF_8));
        assertEquals("i:-7", new String(codec.encode(-7), StandardCharsets.UTF_8));
        assertEquals("l:9007199254740993", new String(codec.encode(9007199254740993L), StandardCharsets.UTF_8));
        assertEquals("b:false", new String(codec.encode(false), StandardCharsets.UTF_8));
        assertEquals("d:0.1", new String(codec.encode(0.1), StandardCharsets.UTF_8));
        for (Object v : List.of("", "ünïcødé ✓", 42, 42L, 3.5f, 2.5d, (short) 3, (byte) 4, true, Double.NaN, Long.MIN_VALUE)) {
            Object back = roundTrip(v);
            assertEquals(v, back);
            assertEquals(v.getClass(), back.getClass());
        }
    }

    @Test
    @SuppressWarnings("unchecked") // casts to List<Object> only to call add() on the decoded lists
    void jdkValuesRoundTripWithoutAddOpens() throws Exception {
        List<Object> values = List.of(
                List.of(1, 2, 3), List.of(), Map.of("a", 1, "b", 2), Set.of("x", "y"), Map.of(),
                Collections.unmodifiableList(new ArrayList<>(List.of("a", "b"))),
                Collections.unmodifiableList(new LinkedList<>(List.of("a"))),
                Collections.unmodifiableMap(new HashMap<>(Map.of("k", "v"))),
                Collections.unmodifiableSet(new java.util.HashSet<>(Set.of(1, 2))),
                Collections.unmodifiableSortedMap(new TreeMap<>(Map.of("z", 1, "a", 2))),
                Collections.unmodifiableNavigableSet(new TreeSet<>(Set.of(3, 1, 2))),
                Collections.synchronizedMap(new HashMap<>(Map.of("s", 1))),
                Collections.synchronizedList(new ArrayList<>(List.of(1))),
                Collections.emptyList(), Collections.singletonList("one"), Collections.singletonMap("k", "v"),
                Arrays.asList("p", "q"),
                new ConcurrentHashMap<>(Map.of("c", 1)),
                new TreeMap<>(Map.of("nested", new HashMap<>(Map.of("deep", List.of(1, Map.of("x", "y")))))),
                EnumSet.of(Tier.GOLD, Tier.BRONZE),
                Instant.parse("2026-11-22T04:00:00Z"), LocalDate.of(2026, 11, 22), Duration.ofMinutes(30),
                ZonedDateTime.parse("2026-11-22T05:00:00+01:00[Europe/Paris]"),
                UUID.fromString("123e4567-e89b-12d3-a456-426614174000"),
                new BigDecimal("12345.6789"), new BigInteger("123456789012345678901234567890"),
                Optional.of("x"), new java.util.Date(0), java.util.Locale.FRANCE);
        for (Object v : values) {
            Object back = roundTrip(v);
            assertEquals(v, back, "round trip of " + v.getClass().getName());
        }
        assertEquals(List.of(1), new ArrayList<>((java.util.Collection<?>) roundTrip(Collections.unmodifiableCollection(new ArrayList<>(List.of(1))))));
        Object unmodifiable = roundTrip(Collections.unmodifiableList(new ArrayList<>(List.of("a"))));
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) unmodifiable).add("b"), "still unmodifiable");
        assertThrows(UnsupportedOperationException.class, () -> ((List<Object>) roundTrip(List.of(1))).add(2), "still immutable");
    }

    @Test
    void arraysEnumsRecordsAndPojosRoundTrip() throws Exception {
        assertArrayEquals(new int[]{1, 2, 3}, (int[]) roundTrip(new int[]{1, 2, 3}));
        assertArrayEquals(new String[]{"a", null}, (String[]) roundTrip(new String[]{"a", null}));
        assertArrayEquals(new Tier[]{Tier.GOLD}, (Tier[]) roundTrip(new Tier[]{Tier.GOLD}));
        assertSame(Tier.GOLD, roundTrip(Tier.GOLD));
        assertEquals(new Money(new BigDecimal("9.99"), "EUR"), roundTrip(new Money(new BigDecimal("9.99"), "EUR")));

        Customer alice = new Customer("alice", Instant.EPOCH);
        alice.referrer(alice); // cycle
        Customer back = (Customer) roundTrip(alice);
        assertEquals("alice", back.name());
        assertSame(back, back.referrer());

        Cart cart = new Cart();
        cart.add("sku", 2, new BigDecimal("1.25"));
        assertEquals(cart.lines(), ((Cart) roundTrip(cart)).lines());
        // Field values far larger than Kryo's chunk are split over many chunks and still read back.
        Cart big = new Cart();
        big.add("s".repeat(5000), 1, new BigDecimal("1." + "9".repeat(300)));
        assertEquals(big.lines(), ((Cart) roundTrip(big)).lines());
    }

    @Test
    void sharedMutableObjectsKeepTheirIdentityAndRepeatedValuesRoundTrip() throws Exception {
        // Mutable objects are reference-tracked (one instance in, one instance out); immutable JDK
        // leaves are written inline, so the same String or BigDecimal twice must still decode.
        List<Object> shared = new ArrayList<>(List.of("x"));
        BigDecimal price = new BigDecimal("9.99");
        String sku = "sku-1";
        Instant when = Instant.ofEpochSecond(1_700_000_000L);
        List<Object> graph = new ArrayList<>(List.of(shared, shared, price, price, sku, sku, when, when, Tier.GOLD, Tier.GOLD));
        @SuppressWarnings("unchecked")
        List<Object> back = (List<Object>) roundTrip(graph);
        assertEquals(graph, back);
        assertSame(back.get(0), back.get(1), "one shared list stays one list");
        assertNotSame(shared, back.get(0));
    }

    @Test
    void dynamicProxyWithAllowedInterfaceAndHandlerRoundTrips() throws Exception {
        Greeter g = (Greeter) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Greeter.class},
                new GreeterHandler("Hello"));
        Greeter back = (Greeter) roundTrip(g);
        assertTrue(Proxy.isProxyClass(back.getClass()));
        assertEquals("Hello, Bob", back.greet("Bob"));
    }

    /**
     * Security review: every order of a proxy's interfaces is a class of its own that never unloads,
     * and crafted bytes could name allowed interfaces in 720 orders (720 new classes). A codec
     * decodes proxies of at most 64 interface lists; those it knows still decode.
     */
    @Test
    void proxiesDecodeForABoundedNumberOfInterfaceLists() throws Exception {
        List<List<Class<?>>> orders = new ArrayList<>();
        permutations(new ArrayList<>(List.of(Greeter.class, Faces.A.class, Faces.B.class, Faces.C.class, Faces.D.class)), 0, orders);
        assertEquals(120, orders.size());
        AttributeCodec reader = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.**"), getClass().getClassLoader(), metrics);
        List<byte[]> encoded = new ArrayList<>();
        for (List<Class<?>> order : orders) {
            encoded.add(codec.encode(Proxy.newProxyInstance(getClass().getClassLoader(), order.toArray(new Class<?>[0]),
                    new GreeterHandler("Hello"))));
        }
        int decoded = 0;
        for (byte[] bytes : encoded) {
            try {
                assertEquals("Hello, Bob", ((Greeter) reader.decode(bytes)).greet("Bob"));
                decoded++;
            } catch (AttributeCodec.DecodeException e) {
                assertTrue(e.getMessage().contains("interface lists"), e.getMessage());
            }
        }
        assertEquals(JdkWrapperSerializers.ProxySerializer.MAX_PROXY_CLASSES, decoded);
        assertEquals("Hello, Ann", ((Greeter) reader.decode(encoded.get(0))).greet("Ann"), "a list decoded before still decodes");
    }

    private static void permutations(List<Class<?>> items, int from, List<List<Class<?>>> out) {
        if (from == items.size()) {
            out.add(List.copyOf(items));
            return;
        }
        for (int i = from; i < items.size(); i++) {
            Collections.swap(items, from, i);
            permutations(items, from + 1, out);
            Collections.swap(items, from, i);
        }
    }

    @Test
    void writingAClassOutsideTheAllowlistFailsOnTheWritingNode() {
        AttributeCodec strict = new AttributeCodec(ClassAllowlist.parse(""), getClass().getClassLoader(), metrics);
        LanyardException.ClassNotAllowedException e = assertThrows(LanyardException.ClassNotAllowedException.class,
                () -> strict.encode(new Cart()));
        assertTrue(e.getMessage().contains("io.lanyard.core.fixtures.Cart"), e.getMessage());
        assertTrue(e.getMessage().contains("allowedClasses"), e.getMessage());
        // nested: an allowed list holding a refused object
        assertThrows(LanyardException.ClassNotAllowedException.class, () -> strict.encode(new ArrayList<>(List.of(new Cart()))));
    }

    @Test
    void corruptBytesGiveADecodeExceptionNotACrash() {
        for (byte[] bad : List.of(new byte[]{'K'}, new byte[]{'K', 1, 0, (byte) 0x80}, new byte[]{'K', (byte) 0xff, (byte) 0xff, 1},
                new byte[]{'z', ':', 'x'}, new byte[]{'i', ':', 'x'}, new byte[]{'b', ':', 'y'}, new byte[]{7}, new byte[0])) {
            assertThrows(AttributeCodec.DecodeException.class, () -> codec.decode(bad), Arrays.toString(bad));
        }
    }

    @Test
    void damagedBytesOfUserObjectsAreADecodeExceptionNeverACrashOrAHang() {
        Customer alice = new Customer("alice", Instant.EPOCH);
        alice.referrer(alice);
        Cart cart = new Cart();
        for (int i = 0; i < 5; i++) {
            cart.add("sku-" + i + "-" + "x".repeat(40 * i), i, new BigDecimal("1." + i));
        }
        java.util.Random random = new java.util.Random(42); // fixed seed: the same cases every run
        for (Object value : List.of(cart, alice, new ArrayList<>(List.of(cart, Map.of("k", cart))))) {
            byte[] good = codec.encode(value);
            for (int n = 0; n < 2000; n++) {
                byte[] bad = good.clone();
                if (n % 4 == 0) {
                    bad = Arrays.copyOf(good, 1 + random.nextInt(good.length - 1)); // truncated
                } else {
                    for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                        bad[1 + random.nextInt(bad.length - 1)] = (byte) random.nextInt(256);
                    }
                }
                try {
                    codec.decode(bad); // may still decode (a changed letter): then it is simply a value
                } catch (AttributeCodec.DecodeException expected) {
                    // the only failure an attribute read may report
                }
            }
        }
    }

    @Test
    void aClassNameFromRedisCannotForgeLogLines() {
        LanyardException.ClassNotAllowedException e = new LanyardException.ClassNotAllowedException(
                "x\nSEVERE: forged line\r\u2028" + "y".repeat(500));
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r") || e.getMessage().contains("\u2028"),
                e.getMessage());
        assertTrue(e.getMessage().contains("x\\u000aSEVERE"), e.getMessage());
        assertTrue(e.getMessage().length() < 600, "capped: " + e.getMessage().length());
    }

    @Test
    void builtInSafeSetRefusesJdkGadgetsAndAllowlistPatternsWork() {
        ClassAllowlist a = ClassAllowlist.parse("com.shop.Cart, com.shop.model.*, com.acme.**, Widget");
        assertTrue(a.isAllowed("com.shop.Cart"));
        assertTrue(a.isAllowed("com.shop.Cart$Line"));
        assertFalse(a.isAllowed("com.shop.Order"));
        assertTrue(a.isAllowed("com.shop.model.Item"));
        assertFalse(a.isAllowed("com.shop.model.sub.Item"));
        assertTrue(a.isAllowed("com.acme.x.y.Z"));
        assertFalse(a.isAllowed("com.other.Widget"), "a name without a package is the unnamed package's class only");
        assertTrue(a.isAllowed("Widget"));
        assertTrue(a.isAllowed("[Lcom.acme.Thing;"));
        assertTrue(a.isAllowed("[[I"));
        assertTrue(a.isAllowed("java.util.ImmutableCollections$ListN"));
        assertTrue(a.isAllowed("java.time.Instant"));
        assertFalse(a.isAllowed("java.time.chrono.ChronoLocalDateTimeImpl"), "no java.time internals");
        for (String gadget : List.of("com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl",
                "org.apache.commons.collections.functors.InvokerTransformer", "java.lang.Runtime", "java.lang.ProcessBuilder",
                "javax.management.BadAttributeValueExpException", "java.net.URL", "java.lang.Class", "[Ljava.lang.Runtime;",
                "java.beans.EventHandler", "java.lang.invoke.SerializedLambda", "")) {
            assertFalse(a.isAllowed(gadget), gadget);
        }
        assertThrows(LanyardException.ConfigurationException.class, () -> ClassAllowlist.parse("java.**"));
        assertThrows(LanyardException.ConfigurationException.class, () -> ClassAllowlist.parse("com..x"));
        assertThrows(LanyardException.ConfigurationException.class, () -> ClassAllowlist.parse("com.x.*.y"));
    }

    @Test
    void broadWildcardsAreRefusedAtStart() {
        for (String wide : List.of("javax.**", "jdk.**", "sun.**", "com.sun.**", "javax.*", "java.*", "java.util.**",
                "java.time.*", "com.**", "org.**", "com.*", "io.**", "net.*", "org.apache.**", "org.springframework.*",
                "com.fasterxml.**", "io.lanyard.**")) {
            assertThrows(LanyardException.ConfigurationException.class, () -> ClassAllowlist.parse(wide), wide);
        }
        ClassAllowlist app = ClassAllowlist.parse("com.example.**, org.example.*");
        assertTrue(app.isAllowed("com.example.shop.Cart"));
        assertTrue(app.isAllowed("org.example.Thing"));
        // Inside a library's package, a wildcard that names its own package is the user's choice.
        assertTrue(ClassAllowlist.parse("org.apache.myapp.**").isAllowed("org.apache.myapp.model.Cart"));
        // An exact JDK class admits none of its nested classes.
        assertFalse(ClassAllowlist.parse("java.util.Collections").isAllowed("java.util.Collections$ReverseComparator"));
    }

    @Test
    void classesReachedOnlyThroughDeclaredFieldTypesAreCheckedToo() {
        AttributeCodec holderOnly = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.SecretHolder"),
                getClass().getClassLoader(), metrics);
        LanyardException.ClassNotAllowedException e = assertThrows(LanyardException.ClassNotAllowedException.class,
                () -> holderOnly.encode(new io.lanyard.core.fixtures.SecretHolder()));
        assertTrue(e.getMessage().contains("FinalSecret"), e.getMessage());
        byte[] bytes = codec.encode(new io.lanyard.core.fixtures.SecretHolder()); // written by a node that allows both
        AttributeCodec.DecodeException d = assertThrows(AttributeCodec.DecodeException.class, () -> holderOnly.decode(bytes));
        assertTrue(d.getMessage().contains("FinalSecret"), d.getMessage());
    }

    @Test
    void jdkCollectionsWithoutASerializerAreRefusedAtWriteTime() {
        for (Object v : List.of(Collections.newSetFromMap(new HashMap<String, Boolean>()),
                Collections.checkedList(new ArrayList<String>(), String.class), Collections.nCopies(3, "x"))) {
            assertThrows(LanyardException.ClassNotAllowedException.class, () -> codec.encode(v), v.getClass().getName());
        }
    }

    @Test
    void aNameWithoutAPackageIsOnlyThatClassOfTheUnnamedPackage() {
        ClassAllowlist a = ClassAllowlist.parse("EventHandler, Cart");
        assertFalse(a.isAllowed("java.beans.EventHandler"));
        assertFalse(a.isAllowed("com.shop.Cart"));
        assertTrue(a.isAllowed("Cart"));
        assertTrue(a.isAllowed("Cart$Line"));
    }

    @Test
    void aValueKryoCannotSerializeIsAClearLanyardException() {
        LanyardException e = assertThrows(LanyardException.class, () -> codec.encode(new io.lanyard.core.fixtures.Weird()));
        assertTrue(e.getMessage().contains("Weird"), e.getMessage());
    }

    @Test
    void immutableCollectionsOfImmutableValuesAreImmutableOthersAreNot() throws Exception {
        assertTrue(AttributeCodec.isImmutable(List.of("FORM", "alice", "user")));
        assertTrue(AttributeCodec.isImmutable(roundTrip(List.copyOf(new ArrayList<>(List.of("FORM", "alice"))))), "as decoded");
        assertTrue(AttributeCodec.isImmutable(Map.of("locale", "de", "size", 48)));
        assertTrue(AttributeCodec.isImmutable(Set.of(List.of(1L, 2L))), "nested");
        assertFalse(AttributeCodec.isImmutable(List.of(new ArrayList<>(List.of("x")))), "holds a mutable list");
        assertFalse(AttributeCodec.isImmutable(Collections.unmodifiableList(new ArrayList<>(List.of("x")))), "a view of a mutable list");
        assertFalse(AttributeCodec.isImmutable(new ArrayList<>(List.of("x"))));
        assertFalse(AttributeCodec.isImmutable(List.copyOf(Collections.nCopies(100, "x"))), "too many elements to look at");
    }

    @Test
    void anImmutableListHoldingNullsRoundTripsAndIsReEncoded() throws Exception {
        // Stream.toList (JDK 16+) gives the class of List.of(a, b, c), but it may hold nulls.
        List<String> withNull = java.util.stream.Stream.of("a", null, "b").toList();
        List<Object> values = List.of(withNull, java.util.stream.Stream.of((String) null).toList(),
                java.util.stream.Stream.of(1, null, "b").toList(), List.of(withNull, List.of("x")));
        for (Object value : values) {
            assertFalse(AttributeCodec.isImmutable(value), "a null element is not looked into: " + value);
            byte[] bytes = codec.encode(value);
            Object back = codec.decode(bytes);
            assertEquals(value, back);
            assertThrows(UnsupportedOperationException.class, () -> ((List<?>) back).set(0, null), "still unmodifiable");
            assertArrayEquals(bytes, codec.encode(back), "decoded, it encodes to the same bytes: no spurious write");
        }
        assertEquals(Arrays.asList(null, "b"), roundTrip(withNull.subList(1, 3)), "a view of one");
        assertEquals(List.of("a", "b", "c"), roundTrip(List.of("a", "b", "c")), "List.of's bytes unchanged");
    }

    @Test
    void encodeIfChangedAnswersNullForTheSameBytes() {
        Cart cart = new Cart();
        byte[] stored = codec.encode(cart);
        assertNull(codec.encodeIfChanged(cart, stored));
        assertNull(codec.encodeIfChanged("alice", codec.encode("alice")));
        assertArrayEquals(codec.encode("bob"), codec.encodeIfChanged("bob", codec.encode("alice")));
        byte[] other = codec.encode(new ArrayList<>(List.of("x")));
        assertArrayEquals(codec.encode(cart), codec.encodeIfChanged(cart, other));
    }
}
