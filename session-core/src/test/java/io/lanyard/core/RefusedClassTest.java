package io.lanyard.core;

import io.lanyard.core.fixtures.Safe;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bytes that name a class outside the allowlist: the class is never loaded (the webapp class
 * loader is never even asked for it), so its static initializer and constructor never run.
 */
class RefusedClassTest {

    /** A webapp class loader that records every class name it is asked for. */
    static final class RecordingLoader extends ClassLoader {
        final List<String> requested = Collections.synchronizedList(new ArrayList<>());

        RecordingLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            requested.add(name);
            return super.loadClass(name, resolve);
        }
    }

    @Test
    void refusedClassIsNeverLoadedNorInitialized() throws Exception {
        RecordingLoader loader = new RecordingLoader(getClass().getClassLoader());
        MetricsRecorder metrics = MetricsRecorder.create(true);
        AttributeCodec codec = new AttributeCodec(ClassAllowlist.parse("io.lanyard.core.fixtures.Safe"), loader, metrics);
        byte[] safe = codec.encode(new Safe());
        byte[] evil = replace(safe, "io.lanyard.core.fixtures.Safe", "io.lanyard.core.fixtures.Evil");

        assertEquals("hi", ((Safe) codec.decode(safe)).note, "the template decodes");
        AttributeCodec.DecodeException e = assertThrows(AttributeCodec.DecodeException.class, () -> codec.decode(evil));
        assertTrue(e.getMessage().contains("io.lanyard.core.fixtures.Evil"), e.getMessage());
        assertFalse(loader.requested.contains("io.lanyard.core.fixtures.Evil"), "the class loader was asked for the refused class");
        assertNull(System.getProperty("lanyard.test.evil.initialized"), "static initializer ran");
        assertNull(System.getProperty("lanyard.test.evil.constructed"), "constructor ran");
        assertEquals(1, metrics.view().getRefusedClasses());
    }

    /** Rewrites a class name inside Kryo bytes (same length; Kryo flags the last ASCII char). */
    static byte[] replace(byte[] in, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.US_ASCII);
        byte[] t = to.getBytes(StandardCharsets.US_ASCII);
        assertEquals(f.length, t.length);
        byte[] out = in.clone();
        outer:
        for (int i = 0; i + f.length <= out.length; i++) {
            for (int j = 0; j < f.length - 1; j++) { // Kryo flags the last ASCII char with the high bit
                if (out[i + j] != f[j]) {
                    continue outer;
                }
            }
            System.arraycopy(t, 0, out, i, t.length - 1);
            out[i + t.length - 1] = (byte) (t[t.length - 1] | (out[i + f.length - 1] & 0x80));
            return out;
        }
        throw new AssertionError("class name not found in the encoded bytes");
    }
}
