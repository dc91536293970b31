package io.lanyard.core;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides, from a class <em>name</em> alone, whether Kryo may load a class. The decision is made
 * before the class is loaded, so a refused class's static initializer never runs.
 *
 * <p>The built-in safe set is an exact list of class names ({@link #BUILT_IN}), no wildcards: the
 * public JDK value and collection classes, plus, by exact name, the few non-public JDK classes that
 * public factories return and that have a serializer here ({@code List.of}, {@code EnumSet},
 * {@code Collections.unmodifiable*}, {@code ZoneId.of}...). User classes come from
 * {@code allowedClasses} patterns: {@code a.b.C} (one class and its nested classes), {@code a.b.*}
 * (one package), {@code a.b.**} (a package and its subpackages). A pattern without a dot names a
 * class of the unnamed package exactly (it is that class's fully qualified name); it never matches
 * a same-named class in a package. Array names are decided by their element type.
 */
final class ClassAllowlist {

    /** The built-in safe set, exactly; the README's security section lists the same names. */
    static final List<String> BUILT_IN = List.of(
            "java.lang.String", "java.lang.Boolean", "java.lang.Byte", "java.lang.Short", "java.lang.Integer",
            "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Character", "java.lang.Number",
            "java.lang.Object", "java.lang.StringBuilder", "java.lang.StringBuffer",
            "java.lang.reflect.Proxy", // marker for dynamic proxies; interfaces and handler are checked one by one
            "java.math.BigDecimal", "java.math.BigInteger", "java.math.RoundingMode",
            "java.util.UUID", "java.util.Date", "java.util.Locale", "java.util.Currency", "java.util.BitSet",
            "java.util.Optional", "java.util.OptionalInt", "java.util.OptionalLong", "java.util.OptionalDouble",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.Vector", "java.util.Stack", "java.util.ArrayDeque",
            "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.IdentityHashMap",
            "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet", "java.util.PriorityQueue",
            "java.util.EnumSet", // the name Kryo writes for every EnumSet
            "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.ConcurrentSkipListMap",
            "java.util.concurrent.ConcurrentSkipListSet", "java.util.concurrent.CopyOnWriteArrayList",
            "java.util.concurrent.ConcurrentLinkedQueue", "java.util.concurrent.ConcurrentLinkedDeque",
            "java.util.concurrent.TimeUnit", "java.util.concurrent.atomic.AtomicInteger",
            "java.util.concurrent.atomic.AtomicLong", "java.util.concurrent.atomic.AtomicBoolean",
            "java.time.Duration", "java.time.Instant", "java.time.LocalDate", "java.time.LocalTime",
            "java.time.LocalDateTime", "java.time.OffsetTime", "java.time.OffsetDateTime", "java.time.ZonedDateTime",
            "java.time.ZoneOffset", "java.time.Year", "java.time.YearMonth", "java.time.MonthDay", "java.time.Period",
            "java.time.DayOfWeek", "java.time.Month", "java.time.temporal.ChronoUnit",
            // Non-public classes behind public factories, each with a serializer that uses only public API:
            "java.time.ZoneRegion", // ZoneId.of("Europe/Paris")
            "java.util.RegularEnumSet", "java.util.JumboEnumSet", // EnumSet.of (checked when written)
            "java.util.Arrays$ArrayList", // Arrays.asList
            "java.util.ImmutableCollections$List12", "java.util.ImmutableCollections$ListN",
            "java.util.ImmutableCollections$SubList", "java.util.ImmutableCollections$Set12",
            "java.util.ImmutableCollections$SetN", "java.util.ImmutableCollections$Map1",
            "java.util.ImmutableCollections$MapN",
            "java.util.Collections$EmptyList", "java.util.Collections$EmptyMap", "java.util.Collections$EmptySet",
            "java.util.Collections$SingletonList", "java.util.Collections$SingletonMap", "java.util.Collections$SingletonSet",
            "java.util.Collections$UnmodifiableCollection", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableSet",
            "java.util.Collections$UnmodifiableSortedSet", "java.util.Collections$UnmodifiableNavigableSet",
            "java.util.Collections$UnmodifiableMap", "java.util.Collections$UnmodifiableSortedMap",
            "java.util.Collections$UnmodifiableNavigableMap", "java.util.Collections$SynchronizedCollection",
            "java.util.Collections$SynchronizedList", "java.util.Collections$SynchronizedRandomAccessList",
            "java.util.Collections$SynchronizedSet", "java.util.Collections$SynchronizedSortedSet",
            "java.util.Collections$SynchronizedNavigableSet", "java.util.Collections$SynchronizedMap",
            "java.util.Collections$SynchronizedSortedMap", "java.util.Collections$SynchronizedNavigableMap");

    private static final Set<String> BUILT_IN_SET = Set.copyOf(BUILT_IN);

    /** The JDK's packages (names ending in '.'): no wildcard may reach into them. */
    private static final List<String> JDK_PACKAGES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.");

    /**
     * Container and library packages known for deserialization gadgets: a wildcard may lie inside
     * one ({@code org.apache.myapp.**}) but not contain it ({@code org.apache.**}).
     */
    private static final List<String> LIBRARY_PACKAGES = List.of("jakarta.", "org.apache.", "org.eclipse.jetty.",
            "io.lanyard.shaded.", "org.springframework.", "org.codehaus.groovy.", "groovy.", "com.mchange.",
            "org.hibernate.", "com.fasterxml.", "org.mozilla.javascript.", "org.jboss.", "org.python.", "bsh.", "clojure.",
            "com.alibaba.", "org.mvel2.", "com.thoughtworks.xstream.", "org.yaml.snakeyaml.", "net.sf.json.",
            "com.zaxxer.hikari.", "org.h2.");

    private final Set<String> exact;
    private final List<String> packages;
    private final List<String> packagesDeep;
    private final String source;

    private ClassAllowlist(Set<String> exact, List<String> packages, List<String> packagesDeep, String source) {
        this.exact = exact;
        this.packages = packages;
        this.packagesDeep = packagesDeep;
        this.source = source;
    }

    /** @throws LanyardException.ConfigurationException for a malformed or too broad pattern */
    static ClassAllowlist parse(String patterns) {
        Set<String> exact = new HashSet<>();
        Set<String> pkgs = new HashSet<>();
        Set<String> deep = new HashSet<>();
        if (patterns != null) {
            for (String raw : patterns.split(",")) {
                String p = raw.trim();
                if (p.isEmpty()) {
                    continue;
                }
                if (p.endsWith(".**") || p.endsWith(".*")) {
                    String pkg = p.substring(0, p.lastIndexOf('.'));
                    checkName(p, pkg);
                    checkWildcard(p, pkg + ".");
                    (p.endsWith(".**") ? deep : pkgs).add(pkg + ".");
                } else {
                    checkName(p, p);
                    exact.add(p);
                }
            }
        }
        return new ClassAllowlist(Set.copyOf(exact), List.copyOf(pkgs), List.copyOf(deep), patterns == null ? "" : patterns);
    }

    /**
     * Warns once per pattern without a package ({@code Cart}): most likely meant as "my class Cart,
     * wherever it is", it allows only that class of the unnamed package. Called when a store starts.
     */
    void warnAboutBareNames(System.Logger log) {
        exact.stream().filter(name -> name.indexOf('.') < 0).sorted().forEach(name -> log.log(System.Logger.Level.WARNING,
                "Lanyard: allowedClasses pattern '" + name + "' has no package: it allows only the class " + name
                        + " of the unnamed package, never a " + name + " in a package; write the fully qualified name"
                        + " (e.g. com.example.shop." + name + ")"));
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
    }

    /**
     * A wildcard must name at least two package levels ({@code com.example.**}, never {@code com.**}),
     * must not lie inside the JDK, and must not contain a platform or gadget-library package
     * ({@code org.apache.**} would open commons-collections); it may lie inside a library's
     * package ({@code org.apache.myapp.**}).
     */
    private static void checkWildcard(String pattern, String pkg) {
        if (pkg.indexOf('.') == pkg.length() - 1) {
            throw new LanyardException.ConfigurationException("allowedClasses pattern '" + pattern
                    + "' opens a whole top-level domain; name your application's package (e.g. 'com.example.shop.**')");
        }
        for (String jdk : JDK_PACKAGES) {
            if (jdk.startsWith(pkg) || pkg.startsWith(jdk)) {
                throw new LanyardException.ConfigurationException("allowedClasses pattern '" + pattern
                        + "' opens a JDK package; name the JDK classes you need one by one");
            }
        }
        for (String library : LIBRARY_PACKAGES) {
            if (library.startsWith(pkg)) {
                throw new LanyardException.ConfigurationException("allowedClasses pattern '" + pattern
                        + "' opens the library package " + library + "*; name your application's own package");
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
            int dims = 0;
            while (dims < name.length() && name.charAt(dims) == '[') {
                dims++;
            }
            String element = name.substring(dims);
            if (element.length() == 1) {
                return "ZBCSIJFD".contains(element); // primitive array
            }
            return element.startsWith("L") && element.endsWith(";") && isAllowed(element.substring(1, element.length() - 1));
        }
        if (BUILT_IN_SET.contains(name) || exact.contains(name)) {
            return true;
        }
        int dot = name.lastIndexOf('.');
        String pkg = name.substring(0, dot + 1);
        if (packages.contains(pkg)) {
            return true;
        }
        for (String p : packagesDeep) {
            if (pkg.startsWith(p)) {
                return true;
            }
        }
        // A nested class of an allowed application class is allowed: com.shop.Cart$Line with
        // com.shop.Cart. Not for JDK or library classes named exactly (java.util.Collections$...).
        int dollar = name.indexOf('$', dot + 1);
        return dollar > 0 && exact.contains(name.substring(0, dollar)) && !isPlatformPackage(pkg);
    }

    private static boolean isPlatformPackage(String pkg) {
        for (String p : JDK_PACKAGES) {
            if (pkg.startsWith(p)) {
                return true;
            }
        }
        for (String p : LIBRARY_PACKAGES) {
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
