package io.lanyard.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.SerializerFactory;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.DefaultSerializers;
import com.esotericsoftware.kryo.serializers.FieldSerializer;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import com.esotericsoftware.kryo.util.MapReferenceResolver;
import org.objenesis.strategy.StdInstantiatorStrategy;

import java.lang.reflect.Proxy;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds the Kryo instances of one {@link AttributeCodec} (one webapp): the allowlist hook, the
 * reference tracking, the serializers, the depth limit. A {@link Worker} is one pooled Kryo with
 * its own buffers.
 */
final class KryoFactory {
    // The codec's logger name, as before the split: log configurations keep working.
    private static final System.Logger LOG = System.getLogger(AttributeCodec.class.getName());

    private final ClassAllowlist allowlist;
    private final ClassLoader classLoader;
    private final MetricsRecorder metrics;
    private final LogOnce refusedLogged = new LogOnce();
    /** The interface lists of the proxies decoded so far ({@link JdkWrapperSerializers.ProxySerializer}): one set per codec. */
    private final java.util.Set<java.util.List<Class<?>>> proxyClasses = java.util.concurrent.ConcurrentHashMap.newKeySet();

    KryoFactory(ClassAllowlist allowlist, ClassLoader classLoader, MetricsRecorder metrics) {
        this.allowlist = allowlist;
        this.classLoader = classLoader;
        this.metrics = metrics;
    }

    @SuppressWarnings("rawtypes") // Kryo's SerializerFactory takes a raw Class
    Worker newWorker() {
        ValueAwareReferenceResolver references = new ValueAwareReferenceResolver();
        Kryo kryo = new Kryo(new SafeClassResolver(), references);
        kryo.setRegistrationRequired(false);
        kryo.setWarnUnregisteredClasses(false);
        // Session graphs may be cyclic (order <-> customer); references keep them finite.
        kryo.setReferences(true);
        // Nesting is bounded by construction: a deeper value fails with a KryoException, long before
        // the thread's stack could run out (a StackOverflowError can strike inside any class's static
        // initializer and leave that class unusable for the whole JVM).
        kryo.setMaxDepth(BoundedInput.MAX_DEPTH);
        // Reset by the codec after each value: the structure check needs the objects read.
        kryo.setAutoReset(false);
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
        kryo.addDefaultSerializer(Proxy.class, new JdkWrapperSerializers.ProxySerializer(classLoader, proxyClasses));
        BoundedSerializers.register(kryo);
        return new Worker(kryo, references);
    }

    /** One pooled Kryo with its buffers; used by one thread at a time. */
    static final class Worker {
        /** An output buffer grown beyond this by a large value is dropped after use. */
        private static final int KEEP_OUTPUT = 64 * 1024;

        final Kryo kryo;
        final BoundedInput input = new BoundedInput();
        final ValueAwareReferenceResolver references;
        Output output = new Output(4096, -1);

        Worker(Kryo kryo, ValueAwareReferenceResolver references) {
            this.kryo = kryo;
            this.references = references;
        }

        /**
         * Clears what one value left behind. True when the worker may serve the next value: after
         * a failure Kryo's state (the generic-type stack, pending reference ids, the depth) may be
         * half-unwound and {@code reset()} does not clear all of it, so such a worker is dropped.
         */
        boolean release(boolean succeeded) {
            kryo.reset();
            input.finish();
            if (output.getBuffer().length > KEEP_OUTPUT) {
                output = new Output(4096, -1);
            }
            return succeeded && kryo.getDepth() == 0 && kryo.getGenerics().getGenericTypesSize() == 0;
        }
    }

    /**
     * Kryo's reference tracking (needed for shared and cyclic user objects: order &lt;-&gt; customer)
     * costs an identity-map lookup and insert per object written and a list entry per object read.
     * Immutable JDK leaves (the strings and prices of every cart line) can neither be mutated
     * through a shared reference nor close a cycle, so they are written inline and skip that
     * bookkeeping (a repeated one is written again). This is part of the 'K' format: reader and
     * writer must agree on which classes are tracked, so changing this set needs a new format tag.
     */
    @SuppressWarnings("rawtypes") // Kryo's ReferenceResolver takes raw Classes
    static final class ValueAwareReferenceResolver extends MapReferenceResolver {
        private boolean referencedBack;

        @Override
        public boolean useReferences(Class type) {
            return !AttributeCodec.isImmutableType(type);
        }

        @Override
        public Object getReadObject(Class type, int id) {
            referencedBack = true;
            return super.getReadObject(type, id);
        }

        @Override
        public void reset() {
            super.reset();
            referencedBack = false;
        }

        /**
         * True when the value read since the last reset refers back to an object read before it.
         * Without such a reference the value is a tree as deep as Kryo read it: it can hold no
         * cycle, no shared part and no nesting beyond Kryo's depth, and needs no structure check.
         */
        boolean referencedBack() {
            return referencedBack;
        }

        /** Every tracked object read since the last reset (the structure check walks them). */
        List<Object> objectsRead() {
            return readObjects;
        }
    }

    /**
     * The allowlist hook. Kryo asks {@link #getTypeByName} first for every class name it reads; we
     * decide there, before anything is loaded, and load allowed classes with the webapp's loader.
     */
    @SuppressWarnings("rawtypes") // Kryo's ClassResolver takes raw Classes
    private final class SafeClassResolver extends DefaultClassResolver {
        private final ConcurrentHashMap<String, Class<?>> loaded = new ConcurrentHashMap<>();
        /** Classes already checked against the allowlist, each mapped to whether it is a JDK proxy class. */
        private final IdentityHashMap<Class<?>, Boolean> checkedTypes = new IdentityHashMap<>();

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
                if (refusedLogged.first(className)) {
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
                throw new KryoException("class " + LanyardException.printable(className) + " not found by the webapp's class loader", e);
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
}
