package io.lanyard.core;

import io.lanyard.testsupport.LogCapture;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 15, item 7: settings that would share keys or open packages are refused at start; the safe set is exact and documented. */
class HostileConfigTest {

    private static String problem(LanyardSettings s, String contextPath) {
        return assertThrows(LanyardException.ConfigurationException.class, () -> s.validate(contextPath)).getMessage();
    }

    @Test
    void keyPartsCannotContainTheSeparator() {
        LanyardSettings prefix = new LanyardSettings();
        prefix.setKeyPrefix("lanyard:shop");
        assertTrue(problem(prefix, "/admin").contains("keyPrefix"));
        LanyardSettings application = new LanyardSettings();
        application.setApplication("shop:admin");
        assertTrue(problem(application, "/x").contains("application"));
        assertTrue(problem(new LanyardSettings(), "/a:b").contains("application"));
    }

    @Test
    void theContextPathRootDoesNotShareKeysWithTheRootContext() {
        assertEquals("ROOT", new LanyardSettings().validate("/").getApplication());
        assertTrue(problem(new LanyardSettings(), "/ROOT").contains("/ROOT"));
        LanyardSettings explicit = new LanyardSettings();
        explicit.setApplication("legacy-root");
        assertEquals("legacy-root", explicit.validate("/ROOT").getApplication());
    }

    @Test
    void broadOrUnqualifiedPatternsAreRefusedAtStart() {
        for (String pattern : List.of("com.**", "org.**", "io.*", "java.time.**", "org.apache.**")) {
            LanyardSettings s = new LanyardSettings();
            s.setAllowedClasses("com.example.shop.**, " + pattern);
            assertTrue(problem(s, "/shop").contains(pattern), pattern);
        }
        ClassAllowlist bare = ClassAllowlist.parse("Cart");
        assertFalse(bare.isAllowed("com.example.shop.Cart"), "a name without a package never matches in a package");
        try (LogCapture log = LogCapture.of("io.lanyard.core.test")) {
            bare.warnAboutBareNames(System.getLogger("io.lanyard.core.test"));
            List<String> warnings = log.messages(java.util.logging.Level.WARNING);
            assertEquals(1, warnings.size(), log.toString());
            assertTrue(warnings.get(0).contains("'Cart' has no package") && warnings.get(0).contains("com.example.shop.Cart"),
                    warnings.get(0));
        }
    }

    @Test
    void theSafeSetIsPublicJdkClassesPlusNamedFactoryClassesThatHaveSerializers() throws Exception {
        // Non-public classes are admitted only as what public factories return, each with a
        // serializer that uses public API (never field-by-field reflection into the JDK).
        Pattern factoryProducts = Pattern.compile("java\\.util\\.(ImmutableCollections|Collections|Arrays)\\$\\w+"
                + "|java\\.util\\.(Regular|Jumbo)EnumSet|java\\.time\\.ZoneRegion");
        KryoFactory.Worker w = new KryoFactory(ClassAllowlist.parse(""), getClass().getClassLoader(),
                MetricsRecorder.create(false)).newWorker();
        for (String name : ClassAllowlist.BUILT_IN) {
            Class<?> type = Class.forName(name, false, null);
            boolean isPublic = java.lang.reflect.Modifier.isPublic(type.getModifiers()) && type.getEnclosingClass() == null;
            assertTrue(isPublic || factoryProducts.matcher(name).matches(), name + " is neither public nor a documented factory class");
            boolean noFields = type == Object.class || type == Number.class;
            assertTrue(noFields || !(w.kryo.getSerializer(type) instanceof NamedFieldSerializer), name + " would be read field by field");
        }
    }

    @Test
    void theReadmeListsTheSafeSetExactly() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
        Matcher block = Pattern.compile("<!-- safe-set -->\\s*```\\s*\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(), "README lacks the safe-set block");
        Set<String> listed = new HashSet<>();
        for (String line : block.group(1).split("\n")) {
            String trimmed = line.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(": "); // "java.util: ArrayList, HashMap, ..."
            String pkg = trimmed.substring(0, colon);
            for (String simple : trimmed.substring(colon + 2).split(",\\s*")) {
                listed.add(pkg + "." + simple.trim());
            }
        }
        assertEquals(new HashSet<>(ClassAllowlist.BUILT_IN), listed,
                "README safe set differs; only in code: " + diff(ClassAllowlist.BUILT_IN, listed) + ", only in README: "
                        + diff(List.copyOf(listed), new HashSet<>(ClassAllowlist.BUILT_IN)));
        for (String limit : List.of(String.valueOf(BoundedInput.MAX_DEPTH), "1,048,576", DecodeBudget.UNITS_PER_BYTE + " units")) {
            assertTrue(readme.contains(limit), "README does not state the limit " + limit);
        }
    }

    private static Set<String> diff(List<String> a, Set<String> b) {
        Set<String> d = new HashSet<>(a);
        d.removeAll(b);
        return d;
    }
}
