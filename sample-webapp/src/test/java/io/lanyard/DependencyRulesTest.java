package io.lanyard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of DESIGN.md, checked on the source trees of the whole repository (this module
 * is built last of the ones it checks, and its tests run in every {@code ./mvnw verify}). A reference is
 * any qualified name in code: imports, static imports and fully qualified names in the code; comments and
 * string literals do not count. A failure lists every violation with its file and line.
 */
class DependencyRulesTest {
    /** A rule: no Java file under {@code trees} refers to a package in {@code forbidden}, except to those in {@code allowed}. */
    record Rule(String description, List<String> trees, List<String> forbidden, List<String> allowed) {
    }

    static final List<Rule> RULES = List.of(
            new Rule("session-core imports nothing of Tomcat, Jetty or the servlet API",
                    List.of("session-core/src/main/java"),
                    List.of("org.apache.catalina", "org.apache.tomcat", "org.eclipse.jetty", "jakarta.servlet"), List.of()),
            new Rule("the Tomcat adapter (main and tests) never imports the Jetty adapter or Jetty",
                    List.of("tomcat-adapter/src/main/java", "tomcat-adapter/src/test/java"),
                    List.of("io.lanyard.jetty", "org.eclipse.jetty"), List.of()),
            new Rule("the Jetty adapter (main and tests) never imports the Tomcat adapter or Tomcat",
                    List.of("jetty-adapter/src/main/java", "jetty-adapter/src/test/java"),
                    List.of("io.lanyard.tomcat", "org.apache.catalina", "org.apache.tomcat"), List.of()),
            new Rule("the shop imports nothing of Lanyard but the application API",
                    List.of("sample-webapp/src/main/java"),
                    List.of("io.lanyard"), List.of("io.lanyard.api")));

    /** A dotted name that does not continue another one (so {@code a.io.lanyard.X} is not read as {@code io.lanyard.X}). */
    private static final Pattern QUALIFIED_NAME =
            Pattern.compile("(?<![\\w$.])[A-Za-z_$][\\w$]*(?:\\s*\\.\\s*[A-Za-z_$*][\\w$]*)+");

    @Test
    void everyRuleOfDesignMdHolds() throws IOException {
        Path root = repositoryRoot();
        List<String> violations = new ArrayList<>();
        for (Rule rule : RULES) {
            for (String tree : rule.trees()) {
                List<Path> sources = javaFiles(root.resolve(tree));
                // A moved or renamed tree must not turn the rule into one that cannot fail.
                assertFalse(sources.isEmpty(), "no Java sources under " + tree + " (rule: " + rule.description() + ")");
                for (Path file : sources) {
                    String code = Files.readString(file, StandardCharsets.UTF_8);
                    for (Reference r : references(code, rule)) {
                        violations.add(root.relativize(file) + ":" + r.line() + ": " + r.name() + "  [" + rule.description() + "]");
                    }
                }
            }
        }
        assertTrue(violations.isEmpty(), violations.size() + " violation(s) of DESIGN.md's dependency rules:\n"
                + String.join("\n", violations));
    }

    @Test
    void referencesAreFoundInCodeButNotInCommentsOrStrings() {
        Rule noTomcat = new Rule("test", List.of(), List.of("io.lanyard.tomcat"), List.of());
        String code = String.join("\n",
                "import io.lanyard.tomcat.RedisSessionManager;",
                "import static io.lanyard.tomcat.Names.PRINCIPAL;",
                "// io.lanyard.tomcat.InALineComment",
                "/* io.lanyard.tomcat.InABlockComment */",
                "class A {",
                "    String s = \"io.lanyard.tomcat.principal \\\" io.lanyard.tomcat.AfterAnEscapedQuote\";",
                "    char c = '\"';",
                "    String block = \"\"\"",
                "        io.lanyard.tomcat.InATextBlock",
                "        \"\"\";",
                "    Object o = new io.lanyard.tomcat.Qualified();",
                "    Object notIt = new io.lanyard.tomcatx.Other();",
                "}");
        assertEquals(List.of(new Reference(1, "io.lanyard.tomcat.RedisSessionManager"),
                        new Reference(2, "io.lanyard.tomcat.Names.PRINCIPAL"),
                        new Reference(11, "io.lanyard.tomcat.Qualified")),
                references(code, noTomcat));
    }

    @Test
    void allowedPackagesAreExemptFromTheirForbiddenParent() {
        Rule shop = RULES.get(3);
        assertEquals(List.of(), references("import io.lanyard.api.SessionControl;\nimport io.lanyard.api.*;", shop));
        assertEquals(List.of(new Reference(1, "io.lanyard.core.RedisSessionStore")),
                references("import io.lanyard.core.RedisSessionStore;", shop));
    }

    /** One reference to a forbidden package: its line (1-based) and the qualified name as written. */
    record Reference(int line, String name) {
    }

    static List<Reference> references(String source, Rule rule) {
        String code = blankCommentsAndLiterals(source);
        List<Reference> found = new ArrayList<>();
        Matcher m = QUALIFIED_NAME.matcher(code);
        while (m.find()) {
            String name = m.group().replaceAll("\\s", "");
            if (inAny(name, rule.forbidden()) && !inAny(name, rule.allowed())) {
                found.add(new Reference(lineOf(code, m.start()), name));
            }
        }
        return found;
    }

    private static boolean inAny(String name, List<String> packages) {
        return packages.stream().anyMatch(p -> name.equals(p) || name.startsWith(p + "."));
    }

    private static int lineOf(String code, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (code.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /**
     * The source with comments, string and char literals and text blocks replaced by spaces (line
     * breaks kept, so line numbers stay right).
     */
    static String blankCommentsAndLiterals(String source) {
        StringBuilder out = new StringBuilder(source);
        int i = 0;
        int n = source.length();
        while (i < n) {
            int end;
            if (source.startsWith("//", i)) {
                end = source.indexOf('\n', i);
                end = end < 0 ? n : end;
            } else if (source.startsWith("/*", i)) {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                end = closing(source, i + 3, "\"\"\"");
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                end = closing(source, i + 1, String.valueOf(source.charAt(i)));
            } else {
                i++;
                continue;
            }
            for (int k = i; k < end; k++) {
                if (out.charAt(k) != '\n') {
                    out.setCharAt(k, ' ');
                }
            }
            i = end;
        }
        return out.toString();
    }

    /** The index just after the first unescaped {@code delimiter} at or after {@code from}. */
    private static int closing(String source, int from, String delimiter) {
        int i = from;
        while (i < source.length()) {
            if (source.charAt(i) == '\\') {
                i += 2;
            } else if (source.startsWith(delimiter, i)) {
                return i + delimiter.length();
            } else {
                i++;
            }
        }
        return source.length();
    }

    private static List<Path> javaFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    /** The repository root: the first directory above this module's that holds every module the rules name. */
    private static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d;
            if (RULES.stream().flatMap(r -> r.trees().stream()).map(t -> t.substring(0, t.indexOf('/')))
                    .allMatch(module -> Files.isDirectory(candidate.resolve(module)))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no repository root above " + dir);
    }
}
