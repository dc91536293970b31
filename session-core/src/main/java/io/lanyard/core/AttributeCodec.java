package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.SerializerFactory;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.FieldSerializer;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.MapReferenceResolver;
import com.esotericsoftware.kryo.util.Pool;
import org.objenesis.strategy.StdInstantiatorStrategy;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns one attribute value into the bytes of one hash field and back.
 *
 * <p>Design notes. Strings, numbers and booleans are stored as tagged plain text ({@code s:alice},
 * {@code i:42}, {@code b:true}) so operators and other services can read them with
 * {@code redis-cli}. Everything else is Kryo: one tag byte {@code K} followed by Kryo's output.
 * User classes use {@link NamedFieldSerializer} (fields by name, each length-prefixed) so a class
 * that gained or lost a field in a rolling deploy still decodes. Kryo instances are pooled per
 * codec, and there is one codec per webapp, so per webapp class loader.
 *
 * <p>Safety: every class name read from Redis passes {@link ClassAllowlist} <em>before</em> it is
 * loaded ({@link SafeClassResolver#getTypeByName}), and it is then loaded only through the
 * webapp's class loader, never through Kryo's own fallback loader. Writing a class that is not
 * allowed fails at once on the writing node, so a forgotten {@code allowedClasses} entry shows up
 * in development rather than as refused data on another node.
 */
final class AttributeCodec {
    private static final System.Logger LOG = System.getLogger(AttributeCodec.class.getName());

    static final byte KRYO = 'K';

    private final ClassAllowlist allowlist;
    private final ClassLoader classLoader;
    private final MetricsRecorder metrics;
    private final Pool<Worker> pool;
    private final Set<String> refusedLogged = ConcurrentHashMap.newKeySet();

    AttributeCodec(ClassAllowlist allowlist, ClassLoader classLoader, MetricsRecorder metrics) {
        this.allowlist = allowlist;
        this.classLoader = classLoader;
        this.metrics = metrics;
        // Thread-safe, soft references so an idle webapp gives its Kryo instances back to the GC.
        this.pool = new Pool<>(true, true, 64) {
            @Override
            protected Worker create() {
                return new Worker(newKryo());
            }
        };
    }

    /**
     * Encodes a non-null value.
     *
     * @throws LanyardException.ClassNotAllowedException when the value (or anything it holds) is of a class outside the allowlist
     * @throws LanyardException when Kryo cannot serialize it
     */
    byte[] encode(Object value) {
        if (value instanceof String s) {
            return text('s', s);
        } else if (value instanceof Integer i) {
            return text('i', i.toString());
        } else if (value instanceof Long l) {
            return text('l', l.toString());
        } else if (value instanceof Boolean b) {
            return text('b', b.toString());
        } else if (value instanceof Double d) {
            return text('d', d.toString());
        } else if (value instanceof Float f) {
            return text('f', f.toString());
        } else if (value instanceof Short s) {
            return text('h', s.toString());
        } else if (value instanceof Byte b) {
            return text('y', b.toString());
        }
        Worker w = pool.obtain();
        try {
            Output out = w.output;
            out.reset();
            out.writeByte(KRYO);
            w.kryo.writeClassAndObject(out, value);
            return out.toBytes();
        } catch (KryoException e) {
            LanyardException.ClassNotAllowedException refused = findRefusal(e);
            if (refused != null) {
                throw refused;
            }
            throw new LanyardException(null, "cannot encode a " + value.getClass().getName() + ": " + e.getMessage(), e);
        } catch (LanyardException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // Kryo's reflection can throw InaccessibleObjectException (a user class extending a JDK
            // class with private fields), a collection can change while it is written, a graph can
            // nest too deeply: all mean "this attribute cannot be stored", never "fail the save".
            throw new LanyardException(null, "cannot encode a " + value.getClass().getName() + ": " + e, e);
        } finally {
            w.kryo.reset();
            pool.free(w);
        }
    }

    /**
     * Decodes bytes written by {@link #encode}.
     *
     * @throws DecodeException when the bytes are corrupt or name a refused or missing class
     */
    Object decode(byte[] bytes) throws DecodeException {
        if (bytes == null || bytes.length == 0) {
            throw new DecodeException("empty value", null);
        }
        byte tag = bytes[0];
        if (tag == KRYO) {
            Worker w = pool.obtain();
            try {
                Input in = w.input;
                in.setBuffer(bytes, 1, bytes.length - 1);
                Object value = w.kryo.readClassAndObject(in);
                if (in.position() != bytes.length) {
                    throw new DecodeException("trailing bytes after the value", null);
                }
                return value;
            } catch (RuntimeException e) {
                // Corrupt bytes can surface as almost any runtime exception inside Kryo or a
                // collection's add/put; all of them mean "this attribute cannot be decoded".
                LanyardException.ClassNotAllowedException refused = findRefusal(e);
                if (refused != null) {
                    throw new DecodeException(refused.getMessage(), refused);
                }
                throw new DecodeException("corrupt Kryo data: " + e, e);
            } catch (StackOverflowError e) {
                throw new DecodeException("value nests too deeply", null);
            } catch (OutOfMemoryError e) {
                // A corrupt length prefix asking for a huge array fails at allocation, before
                // anything is filled: safe to report as corrupt data.
                throw new DecodeException("corrupt Kryo data: array length too large", null);
            } finally {
                w.kryo.reset();
                w.input.setBuffer(new byte[0]);
                pool.free(w);
            }
        }
        if (bytes.length < 2 || bytes[1] != ':') {
            throw new DecodeException("unknown value format (first byte " + (bytes[0] & 0xff) + ")", null);
        }
        String text = new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_8);
        try {
            return switch (tag) {
                case 's' -> text;
                case 'i' -> Integer.valueOf(text);
                case 'l' -> Long.valueOf(text);
                case 'b' -> parseBoolean(text);
                case 'd' -> Double.valueOf(text);
                case 'f' -> Float.valueOf(text);
                case 'h' -> Short.valueOf(text);
                case 'y' -> Byte.valueOf(text);
                default -> throw new DecodeException("unknown value tag '" + (char) tag + "'", null);
            };
        } catch (NumberFormatException e) {
            throw new DecodeException("'" + (char) tag + "' value is not a number: '" + text + "'", e);
        }
    }

    /**
     * True when {@code stored} (bytes as Redis holds them) is the same value as {@code current} (this
     * node's encoding of the live object), although the bytes differ. Kryo writes maps and sets in
     * iteration order, and that order is not stable across a decode: a decoded {@code HashMap} gets
     * a capacity of Kryo's choosing (other buckets, other order), and {@code Map.of}/{@code Set.of}
     * iterate in an order salted per JVM. Without this check an untouched preferences map would be
     * rewritten by every read-only request on another node, overwriting that node's concurrent change.
     *
     * <p>Exact where it answers true: the stored bytes, decoded and encoded again in this JVM, are
     * {@code current}. That costs a decode and an encode, so it only runs when the bytes could be a
     * reordering (same length, same byte histogram); a real change (a quantity bump) fails that
     * cheap test and is written at once. A false answer only costs a write of identical content.
     */
    boolean isSameValue(byte[] stored, byte[] current) {
        if (stored.length != current.length || stored.length == 0 || stored[0] != KRYO || current[0] != KRYO
                || !sameByteHistogram(stored, current)) {
            return false;
        }
        try {
            return java.util.Arrays.equals(encode(decode(stored)), current);
        } catch (DecodeException | RuntimeException e) {
            return false;
        }
    }

    private static boolean sameByteHistogram(byte[] a, byte[] b) {
        int[] counts = new int[256];
        for (int i = 0; i < a.length; i++) {
            counts[a[i] & 0xff]++;
            counts[b[i] & 0xff]--;
        }
        for (int c : counts) {
            if (c != 0) {
                return false;
            }
        }
        return true;
    }

    private static Boolean parseBoolean(String text) throws DecodeException {
        if (text.equals("true")) {
            return Boolean.TRUE;
        }
        if (text.equals("false")) {
            return Boolean.FALSE;
        }
        throw new DecodeException("'b' value is not true/false: '" + text + "'", null);
    }

    /** True for values whose encoding cannot change without a setAttribute: no need to re-encode them to detect changes. */
    static boolean isImmutable(Object value) {
        return IMMUTABLE_VALUE_TYPE.get(value.getClass());
    }

    /**
     * JDK value types that are immutable and hold no references to other objects: a value of one
     * cannot change in place, and it cannot be part of a cycle. Exact classes only (a subclass of
     * {@code BigDecimal} could be mutable). Cached per class: asked for every object Kryo writes.
     */
    private static final ClassValue<Boolean> IMMUTABLE_VALUE_TYPE = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return type == String.class || type == Integer.class || type == Long.class || type == Boolean.class
                    || type == Double.class || type == Float.class || type == Short.class || type == Byte.class
                    || type == Character.class || Enum.class.isAssignableFrom(type) || type == UUID.class
                    || type == java.math.BigDecimal.class || type == java.math.BigInteger.class
                    || type == java.util.Currency.class || type == java.util.Locale.class
                    || (java.time.temporal.TemporalAccessor.class.isAssignableFrom(type) || type == java.time.Duration.class
                        || type == java.time.Period.class || java.time.ZoneId.class.isAssignableFrom(type))
                       && type.getName().startsWith("java.time.");
        }
    };

    /**
     * Kryo's reference tracking (needed for shared and cyclic user objects: order &lt;-&gt; customer)
     * costs an identity-map lookup and insert per object written and a list entry per object read.
     * Immutable JDK leaves (the strings and prices of every cart line) can neither be mutated
     * through a shared reference nor close a cycle, so they are written inline and skip that
     * bookkeeping (a repeated one is written again). This is part of the 'K' format: reader and
     * writer must agree on which classes are tracked, so changing this set needs a new format tag.
     */
    private static final class ValueAwareReferenceResolver extends MapReferenceResolver {
        @Override
        public boolean useReferences(Class type) {
            return !IMMUTABLE_VALUE_TYPE.get(type);
        }
    }

    private static byte[] text(char tag, String s) {
        byte[] body = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + 2];
        out[0] = (byte) tag;
        out[1] = ':';
        System.arraycopy(body, 0, out, 2, body.length);
        return out;
    }

    private static LanyardException.ClassNotAllowedException findRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LanyardException.ClassNotAllowedException r) {
                return r;
            }
        }
        return null;
    }

    private Kryo newKryo() {
        SafeClassResolver resolver = new SafeClassResolver();
        Kryo kryo = new Kryo(resolver, new ValueAwareReferenceResolver());
        kryo.setRegistrationRequired(false);
        kryo.setWarnUnregisteredClasses(false);
        // Session graphs may be cyclic (order <-> customer); references keep them finite.
        kryo.setReferences(true);
        kryo.setClassLoader(classLoader);
        // No-arg constructor when there is one, else Objenesis (works for Serializable POJOs
        // without one, with no --add-opens: it uses jdk.unsupported's ReflectionFactory).
        kryo.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        // User classes: fields by name, each length-prefixed, so a class that gained or lost a field
        // in a rolling deploy still decodes, and a removed field is skipped without loading the
        // classes it names (see NamedFieldSerializer).
        FieldSerializer.FieldSerializerConfig config = new FieldSerializer.FieldSerializerConfig();
        kryo.setDefaultSerializer(new SerializerFactory.BaseSerializerFactory<NamedFieldSerializer<?>>() {
            @Override
            public NamedFieldSerializer<?> newSerializer(Kryo k, Class type) {
                return new NamedFieldSerializer<>(k, type, config.clone());
            }
        });
        kryo.addDefaultSerializer(UUID.class, new DefaultSerializers.UUIDSerializer());
        kryo.addDefaultSerializer(AtomicInteger.class, new DefaultSerializers.AtomicIntegerSerializer());
        kryo.addDefaultSerializer(AtomicLong.class, new DefaultSerializers.AtomicLongSerializer());
        kryo.addDefaultSerializer(AtomicBoolean.class, new DefaultSerializers.AtomicBooleanSerializer());
        JdkWrapperSerializers.register(kryo);
        kryo.addDefaultSerializer(Proxy.class, new JdkWrapperSerializers.ProxySerializer(classLoader));
        return kryo;
    }

    private static final class Worker {
        final Kryo kryo;
        final Output output = new Output(4096, -1);
        final Input input = new Input();

        Worker(Kryo kryo) {
            this.kryo = kryo;
        }
    }

    /**
     * The allowlist hook. Kryo asks {@link #getTypeByName} first for every class name it reads; we
     * decide there, before anything is loaded, and load allowed classes with the webapp's loader.
     */
    private final class SafeClassResolver extends DefaultClassResolver {
        private final ConcurrentHashMap<String, Class<?>> loaded = new ConcurrentHashMap<>();
        /** Classes already checked against the allowlist, each mapped to whether it is a JDK proxy class. */
        private final java.util.IdentityHashMap<Class<?>, Boolean> checkedTypes = new java.util.IdentityHashMap<>();

        @Override
        protected Class<?> getTypeByName(String className) {
            if (className == null || className.isEmpty()) {
                throw new KryoException("corrupt data: empty class name");
            }
            Class<?> known = loaded.get(className);
            if (known != null) {
                return known;
            }
            if (!allowlist.isAllowed(className)) {
                metrics.classRefused();
                if (refusedLogged.add(className) && refusedLogged.size() < 1000) {
                    LOG.log(System.Logger.Level.WARNING, "Lanyard refused to load class " + LanyardException.printable(className)
                            + " found in a session; it is not in the built-in safe set nor in allowedClasses");
                }
                throw new LanyardException.ClassNotAllowedException(className);
            }
            try {
                Class<?> type = Class.forName(className, false, classLoader);
                loaded.put(className, type);
                return type;
            } catch (ClassNotFoundException | LinkageError e) {
                throw new KryoException("class " + className + " not found by the webapp's class loader", e);
            }
        }

        @Override
        public Registration getRegistration(Class type) {
            Boolean proxy = checkedTypes.get(type);
            if (proxy == null) {
                proxy = Proxy.isProxyClass(type);
                if (!proxy && !type.isPrimitive() && !allowlist.isAllowed(type.getName())) {
                    // Kryo writes no class name for a value whose type is fixed by its declaration (a
                    // final field type, a final generic element type), so getTypeByName never sees it;
                    // every class still needs a registration before it is written or instantiated.
                    metrics.classRefused();
                    throw new LanyardException.ClassNotAllowedException(type.getName());
                }
                checkedTypes.put(type, proxy); // per Kryo instance, so per thread: the hot path is one lookup
            }
            if (proxy) {
                // A proxy's generated class ($Proxy12) cannot be loaded by name on another node:
                // write the marker java.lang.reflect.Proxy, and let ProxySerializer rebuild it.
                return kryo.getRegistration(Proxy.class);
            }
            return super.getRegistration(type);
        }

        @Override
        protected void writeName(Output output, Class type, Registration registration) {
            Class<?> named = Proxy.isProxyClass(type) ? Proxy.class : type;
            if (!allowlist.isAllowed(named.getName())) {
                throw new LanyardException.ClassNotAllowedException(named.getName());
            }
            super.writeName(output, named, registration);
        }
    }

    /** An attribute value that cannot be decoded. */
    static final class DecodeException extends Exception {
        private static final long serialVersionUID = 1L;

        DecodeException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
