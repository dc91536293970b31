package io.lanyard.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.lang.reflect.Field;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A rolling deploy: node 1 runs version 1 of a user class, node 2 version 2 with a field added
 * and one removed. Each version lives in its own class loader, as two webapps would.
 */
class ClassEvolutionTest {

    private static final String COUPON = """
            package com.example.shop;
            public class Coupon implements java.io.Serializable {
                public String code = "SAVE10";
            }""";

    /** Compiles {@code com.example.shop} sources (class name, source text pairs) into their own class loader. */
    private static ClassLoader compile(Path dir, String... namesAndSources) throws Exception {
        String[] args = new String[2 + namesAndSources.length / 2];
        args[0] = "-d";
        args[1] = dir.toString();
        for (int i = 0; i < namesAndSources.length; i += 2) {
            Path src = dir.resolve("com/example/shop/" + namesAndSources[i] + ".java");
            Files.createDirectories(src.getParent());
            Files.writeString(src, namesAndSources[i + 1]);
            args[2 + i / 2] = src.toString();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args));
        return new URLClassLoader(new URL[]{dir.toUri().toURL()}, ClassEvolutionTest.class.getClassLoader());
    }

    private static Object field(Object o, String name) throws Exception {
        Field f = o.getClass().getField(name);
        return f.get(o);
    }

    @Test
    void aFieldWhoseTypeChangedIncompatiblyMakesTheAttributeUndecodableNotMisread(@TempDir Path v1Dir, @TempDir Path v2Dir)
            throws Exception {
        ClassLoader v1 = compile(v1Dir, "Profile", """
                package com.example.shop;
                public class Profile implements java.io.Serializable {
                    public String name = "alice";
                    public String visits = "seven visits";
                }""");
        ClassLoader v2 = compile(v2Dir, "Profile", """
                package com.example.shop;
                public class Profile implements java.io.Serializable {
                    public String name;
                    public int visits;
                }""");
        ClassAllowlist allow = ClassAllowlist.parse("com.example.shop.**");
        byte[] bytes = new AttributeCodec(allow, v1, MetricsRecorder.NOOP)
                .encode(v1.loadClass("com.example.shop.Profile").getConstructor().newInstance());
        AttributeCodec.DecodeException e = assertThrows(AttributeCodec.DecodeException.class,
                () -> new AttributeCodec(allow, v2, MetricsRecorder.NOOP).decode(bytes));
        assertTrue(e.getMessage().contains("visits"), e.getMessage());
    }

    /**
     * The known limit of skipping a removed field: Kryo names a class (and this serializer lists a
     * class's fields) only at its first use in an attribute. When that first use is inside the
     * removed field, later fields refer to what the skipped bytes held, and the new version cannot
     * read them: the attribute is reported undecodable (dropped with one log line, the rest of the
     * session kept), as documented in the README, rather than read wrongly.
     */
    @Test
    void aRemovedFieldHoldingTheFirstUseOfAClassThatLaterFieldsUseTooMakesTheAttributeUndecodable(@TempDir Path v1Dir,
            @TempDir Path v2Dir) throws Exception {
        ClassLoader v1 = compile(v1Dir, "Profile", """
                package com.example.shop;
                public class Profile implements java.io.Serializable {
                    public java.util.List<String> legacy = new java.util.ArrayList<>(java.util.List.of("old"));
                    public java.util.List<String> tags = new java.util.ArrayList<>(java.util.List.of("a", "b"));
                    public Coupon first = new Coupon();
                    public Coupon second = new Coupon();
                }""", "Coupon", COUPON);
        ClassLoader v2 = compile(v2Dir, "Profile", """
                package com.example.shop;
                public class Profile implements java.io.Serializable {
                    public java.util.List<String> tags;
                    public Coupon second;
                }""", "Coupon", """
                package com.example.shop;
                public class Coupon implements java.io.Serializable {
                    public String code;
                }""");
        ClassAllowlist allow = ClassAllowlist.parse("com.example.shop.**");
        byte[] bytes = new AttributeCodec(allow, v1, MetricsRecorder.NOOP)
                .encode(v1.loadClass("com.example.shop.Profile").getConstructor().newInstance());
        assertThrows(AttributeCodec.DecodeException.class, () -> new AttributeCodec(allow, v2, MetricsRecorder.NOOP).decode(bytes));
        // The same data reads back on a node of the writing version.
        Object same = new AttributeCodec(allow, v1, MetricsRecorder.NOOP).decode(bytes);
        assertEquals(java.util.List.of("a", "b"), field(same, "tags"));
    }

    @Test
    void classThatGainedAndLostFieldsStillDecodesBothWays(@TempDir Path v1Dir, @TempDir Path v2Dir) throws Exception {
        // Version 1 has two fields version 2 dropped: a long string (a multi-byte length to skip)
        // and a field of a class that version 2 no longer ships at all.
        ClassLoader v1 = compile(v1Dir, "Profile", """
                package com.example.shop;
                public class Profile implements java.io.Serializable {
                    public String name = "alice";
                    public int visits = 7;
                    public String legacy = "old".repeat(100);
                    public Coupon coupon = new Coupon();
                }""", "Coupon", COUPON);
        ClassLoader v2 = compile(v2Dir, "Profile", """
                package com.example.shop;
                public class Profile implements java.io.Serializable {
                    public String name;
                    public int visits;
                    public java.util.List<String> tags = new java.util.ArrayList<>(java.util.List.of("new"));
                }""");
        MetricsRecorder m = MetricsRecorder.NOOP;
        ClassAllowlist allow = ClassAllowlist.parse("com.example.shop.**");
        AttributeCodec node1 = new AttributeCodec(allow, v1, m);
        AttributeCodec node2 = new AttributeCodec(allow, v2, m);

        Object p1 = v1.loadClass("com.example.shop.Profile").getConstructor().newInstance();
        Object onNode2 = node2.decode(node1.encode(p1));
        assertSame(v2, onNode2.getClass().getClassLoader(), "resolved with node 2's webapp loader");
        assertEquals("alice", field(onNode2, "name"));
        assertEquals(7, field(onNode2, "visits"));
        assertEquals(java.util.List.of("new"), field(onNode2, "tags"), "a field the writer did not have keeps its default");
        assertThrows(ClassNotFoundException.class, () -> v2.loadClass("com.example.shop.Coupon"),
                "precondition: node 2 has no Coupon class; its field was skipped without loading it");

        Object p2 = v2.loadClass("com.example.shop.Profile").getConstructor().newInstance();
        p2.getClass().getField("name").set(p2, "bob");
        Object onNode1 = node1.decode(node2.encode(p2));
        assertEquals("bob", field(onNode1, "name"));
        assertEquals(v1, onNode1.getClass().getClassLoader());
    }
}
