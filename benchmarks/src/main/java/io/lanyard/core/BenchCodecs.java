package io.lanyard.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.redisson.client.handler.State;
import org.redisson.codec.Kryo5Codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The three attribute codecs compared by {@link CodecBenchmark}, each used the way its store uses it:
 * one encoded value per session attribute (Lanyard, Spring Session and Redisson all keep one hash
 * field per attribute).
 *
 * <p>This class sits in package {@code io.lanyard.core} inside the benchmarks module so that it can
 * reach the package-private {@link AttributeCodec} without making it public: the core jar is neither
 * sealed nor a named module, so classes of the same package on the class path share package access.
 */
public enum BenchCodecs {
    /** Lanyard's {@link AttributeCodec}: tagged text for simple values, pooled Kryo (compatible fields) otherwise. */
    LANYARD {
        @Override
        Codec create(ClassLoader loader) {
            AttributeCodec c = new AttributeCodec(ClassAllowlist.parse("io.lanyard.bench.**"), loader, MetricsRecorder.create(false));
            return new Codec() {
                @Override
                public byte[] encode(Object value) {
                    return c.encode(value);
                }

                @Override
                public Object decode(byte[] bytes) {
                    try {
                        return c.decode(bytes);
                    } catch (AttributeCodec.DecodeException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
        }
    },
    /** java.io serialization, as Spring Session's default JdkSerializationRedisSerializer stores each attribute. */
    JDK {
        @Override
        Codec create(ClassLoader loader) {
            return new Codec() {
                @Override
                public byte[] encode(Object value) {
                    try {
                        ByteArrayOutputStream bos = new ByteArrayOutputStream(1024);
                        try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
                            out.writeObject(value);
                        }
                        return bos.toByteArray();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public Object decode(byte[] bytes) {
                    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
                        return in.readObject();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (ClassNotFoundException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
        }
    },
    /** Redisson's default codec ({@code Kryo5Codec}), as RedissonSessionManager stores each attribute. */
    REDISSON_KRYO5 {
        @Override
        Codec create(ClassLoader loader) {
            Kryo5Codec c = new Kryo5Codec(loader);
            return new Codec() {
                @Override
                public byte[] encode(Object value) {
                    try {
                        ByteBuf buf = c.getMapValueEncoder().encode(value);
                        try {
                            byte[] out = new byte[buf.readableBytes()];
                            buf.readBytes(out);
                            return out;
                        } finally {
                            buf.release();
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public Object decode(byte[] bytes) {
                    try {
                        return c.getMapValueDecoder().decode(Unpooled.wrappedBuffer(bytes), new State());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            };
        }
    };

    abstract Codec create(ClassLoader loader);

    /** Public entry for the report: a codec instance of this kind. */
    public Codec newCodec() {
        return create(BenchCodecs.class.getClassLoader());
    }

    /** One codec instance. */
    public interface Codec {
        byte[] encode(Object value);

        Object decode(byte[] bytes);

        /** Encodes every attribute value of a session, one field each. */
        default List<byte[]> encodeAll(Map<String, Object> attributes) {
            List<byte[]> out = new ArrayList<>(attributes.size());
            for (Object v : attributes.values()) {
                out.add(encode(v));
            }
            return out;
        }
    }
}
