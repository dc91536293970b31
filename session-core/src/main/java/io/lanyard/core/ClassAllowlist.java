package io.lanyard.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides, from a class <em>name</em> alone, whether Kryo may load a class. The decision is made
 * before the class is loaded, so a refused class's static initializer never runs.
 *
 * <p>The built-in safe set covers values that cannot execute code when rebuilt: strings, boxed
 * primitives, big numbers, UUID, java.time, java.util collections and maps (including the
 * immutable and unmodifiable forms) and a few JDK enums. User classes come from
 * {@code allowedClasses} patterns: {@code a.b.C} or a bare {@code C} (one class), {@code a.b.*}
 * (one package), {@code a.b.**} (a package and its subpackages). Array names are decided by
 * their element type.
 */
final class ClassAllowlist {

    private static final Set<String> BUILT_IN_CLASSES = Set.of(
            "java.lang.String", "java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Integer",
            "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Character", "java.lang.Number",
            "java.lang.StringBuilder", "java.lang.StringBuffer", "java.lang.Object",
            "java.lang.reflect.Proxy", // marker for dynamic proxies; interfaces and handler are checked one by one
            "java.math.BigDecimal", "java.math.BigInteger", "java.math.RoundingMode",
            "java.util.UUID", "java.util.Date", "java.util.Locale", "java.util.Currency", "java.util.BitSet",
            "java.util.Optional", "java.util.OptionalInt", "java.util.OptionalLong", "java.util.OptionalDouble",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.Vector", "java.util.Stack", "java.util.ArrayDeque",
            "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.Hashtable",
            "java.util.IdentityHashMap",
            "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet", "java.util.PriorityQueue",
            "java.util.EnumSet", "java.util.RegularEnumSet", "java.util.JumboEnumSet",
            "java.util.Arrays$ArrayList",
            "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.ConcurrentSkipListMap",
            "java.util.concurrent.ConcurrentSkipListSet", "java.util.concurrent.CopyOnWriteArrayList",
            "java.util.concurrent.CopyOnWriteArraySet", "java.util.concurrent.ConcurrentLinkedQueue",
            "java.util.concurrent.ConcurrentLinkedDeque", "java.util.concurrent.TimeUnit",
            "java.util.concurrent.atomic.AtomicInteger", "java.util.concurrent.atomic.AtomicLong",
            "java.util.concurrent.atomic.AtomicBoolean");

    /**
     * The JDK's immutable collections ({@code List.of}, {@code Map.of}...; Kryo's
     * ImmutableCollectionsSerializers handle every nested class).
     */
    private static final List<String> BUILT_IN_NESTED_OF = List.of("java.util.ImmutableCollections$");

    /**
     * The {@code Collections} classes that have a serializer (Kryo's, or {@link JdkWrapperSerializers});
     * others (checked, newSetFromMap, nCopies...) would not survive the round trip and are refused.
     */
    private static final Set<String> BUILT_IN_COLLECTIONS_NESTED = Set.of(
            "EmptyList", "EmptyMap", "EmptySet", "SingletonList", "SingletonMap", "SingletonSet",
            "UnmodifiableCollection", "UnmodifiableList", "UnmodifiableRandomAccessList", "UnmodifiableSet",
            "UnmodifiableSortedSet", "UnmodifiableNavigableSet", "UnmodifiableMap", "UnmodifiableSortedMap",
            "UnmodifiableNavigableMap", "SynchronizedCollection", "SynchronizedList", "SynchronizedRandomAccessList",
            "SynchronizedSet", "SynchronizedSortedSet", "SynchronizedNavigableSet", "SynchronizedMap",
            "SynchronizedSortedMap", "SynchronizedNavigableMap");

    private static final List<String> BUILT_IN_PACKAGES_DEEP = List.of("java.time.");

    private final Set<String> exact;
    private final Set<String> simpleNames;
    private final List<String> packages;
    private final List<String> packagesDeep;
    private final String source;

    private ClassAllowlist(Set<String> exact, Set<String> simpleNames, List<String> packages, List<String> packagesDeep, String source) {
        this.exact = exact;
        this.simpleNames = simpleNames;
        this.packages = packages;
        this.packagesDeep = packagesDeep;
        this.source = source;
    }

    static ClassAllowlist parse(String patterns) {
        Set<String> exact = new HashSet<>();
        Set<String> simple = new HashSet<>();
        List<String> pkgs = new ArrayList<>();
        List<String> deep = new ArrayList<>();
        if (patterns != null) {
            for (String raw : patterns.split(",")) {
                String p = raw.trim();
                if (p.isEmpty()) {
                    continue;
                }
                if (p.endsWith(".**")) {
                    String pkg = p.substring(0, p.length() - 2);
                    checkName(p, pkg.substring(0, pkg.length() - 1));
                    deep.add(pkg);
                } else if (p.endsWith(".*")) {
                    String pkg = p.substring(0, p.length() - 1);
                    checkName(p, pkg.substring(0, pkg.length() - 1));
                    pkgs.add(pkg);
                } else {
                    checkName(p, p);
                    if (p.indexOf('.') < 0) {
                        simple.add(p);
                    } else {
                        exact.add(p);
                    }
                }
            }
        }
        return new ClassAllowlist(Set.copyOf(exact), Set.copyOf(simple), List.copyOf(pkgs), List.copyOf(deep),
                patterns == null ? "" : patterns);
    }

    private static void checkName(String pattern, String name) {
        if (name.isEmpty() || name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            throw bad(pattern);
        }
        for (char c : name.toCharArray()) {
            if (!(Character.isJavaIdentifierPart(c) || c == '.')) {
                throw bad(pattern);
            }
        }
        String dotted = name + ".";
        if (dotted.startsWith("java.") || dotted.startsWith("javax.") || dotted.startsWith("sun.")
                || dotted.startsWith("jdk.") || dotted.startsWith("com.sun.")) {
            // Opening JDK packages wholesale would let gadget classes (TemplatesImpl, ...) in.
            if (!name.contains(".") || pattern.endsWith("*")) {
                throw new LanyardException.ConfigurationException("allowedClasses pattern '" + pattern
                        + "' opens a JDK package; name the JDK classes you need one by one");
            }
        }
    }

    private static LanyardException.ConfigurationException bad(String pattern) {
        return new LanyardException.ConfigurationException("allowedClasses pattern '" + pattern
                + "' is not a class name, 'package.*' or 'package.**'");
    }

    /** True when the class named {@code name} (binary name, or a JVM array name) may be loaded. */
    boolean isAllowed(String name) {
        if (name.startsWith("[")) {
            String element = name.replaceFirst("^\\[+", "");
            if (element.length() == 1) {
                return true; // primitive array
            }
            if (element.startsWith("L") && element.endsWith(";")) {
                return isAllowed(element.substring(1, element.length() - 1));
            }
            return false;
        }
        if (BUILT_IN_CLASSES.contains(name) || exact.contains(name)) {
            return true;
        }
        if (name.startsWith("java.util.Collections$")
                && BUILT_IN_COLLECTIONS_NESTED.contains(name.substring("java.util.Collections$".length()))) {
            return true;
        }
        for (String outer : BUILT_IN_NESTED_OF) {
            if (name.startsWith(outer)) {
                return true;
            }
        }
        for (String p : BUILT_IN_PACKAGES_DEEP) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        int dot = name.lastIndexOf('.');
        String pkg = dot < 0 ? "" : name.substring(0, dot + 1);
        String simple = name.substring(dot + 1);
        if ((simpleNames.contains(simple) || (simple.contains("$") && simpleNames.contains(simple.substring(0, simple.indexOf('$')))))
                && !isPlatformPackage(pkg)) {
            // A bare "Cart" names the application's class; it must not open java.beans.EventHandler
            // or a same-named class of the JDK.
            return true;
        }
        for (String p : packages) {
            if (pkg.equals(p)) {
                return true;
            }
        }
        for (String p : packagesDeep) {
            // "com.**" or "org.**" must not open com.sun.* or the gadget classes of
            // org.apache.commons.collections: a wildcard reaches into a platform or library
            // package only when the pattern itself names that package (org.apache.myapp.**).
            if (pkg.startsWith(p) && (!isPlatformPackage(pkg) || isPlatformPackage(p))) {
                return true;
            }
        }
        // A nested class of an allowed class is allowed: com.shop.Cart$Line with com.shop.Cart.
        int dollar = name.indexOf('$');
        return dollar > 0 && exact.contains(name.substring(0, dollar));
    }

    /** JDK, container and library packages known for deserialization gadgets (a package name ending in '.'). */
    private static final List<String> PLATFORM_PACKAGES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
            "jakarta.", "org.apache.", "org.eclipse.jetty.", "io.lanyard.shaded.", "org.springframework.",
            "org.codehaus.groovy.", "groovy.", "com.mchange.", "org.hibernate.", "com.fasterxml.", "org.mozilla.javascript.",
            "org.jboss.", "org.python.", "bsh.", "clojure.", "com.alibaba.", "org.mvel2.", "com.thoughtworks.xstream.",
            "org.yaml.snakeyaml.", "net.sf.json.", "com.zaxxer.hikari.", "org.h2.");

    private static boolean isPlatformPackage(String pkg) {
        for (String p : PLATFORM_PACKAGES) {
            if (pkg.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return source;
    }
}
