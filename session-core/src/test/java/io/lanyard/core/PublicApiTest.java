package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The core's public surface stays small: at most 10 types of {@code io.lanyard.core} are visible
 * outside the package (nested types count when they and every enclosing type are public); the rest
 * is package-private, so adapters cannot grow into the core's internals.
 */
class PublicApiTest {
    @Test
    void theCoreExportsAtMostTenTypes() throws Exception {
        List<String> exported = exportedTypes();
        assertTrue(exported.contains(RedisSessionStore.class.getName()), "scanned the compiled core: " + exported);
        assertTrue(exported.size() <= 10, exported.size() + " public types: " + exported);
    }

    private static List<String> exportedTypes() throws URISyntaxException, java.io.IOException {
        Path classes = Path.of(RedisSessionStore.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path dir = classes.resolve("io/lanyard/core");
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
                    .map(n -> "io.lanyard.core." + n.substring(0, n.length() - ".class".length()))
                    .map(PublicApiTest::load)
                    .filter(PublicApiTest::exported)
                    .map(Class::getName)
                    .sorted()
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, PublicApiTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean exported(Class<?> type) {
        for (Class<?> t = type; t != null; t = t.getEnclosingClass()) {
            if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass() || t.isLocalClass()) {
                return false;
            }
        }
        return true;
    }
}
