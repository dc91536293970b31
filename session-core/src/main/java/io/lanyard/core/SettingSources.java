package io.lanyard.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * How settings are named outside Lanyard, in one place: Tomcat's {@code <Manager>} attributes (the
 * bare names), Jetty's properties ({@code jetty.session.redis.<name>}, and DESIGN.md's short
 * {@code jetty.session.redis.uri}), the {@code LANYARD_FOO_BAR} environment variables, and the
 * commented properties template of Jetty's module file.
 */
final class SettingSources {
    /** Under a prefix, the short name of {@code redisUri}: DESIGN.md's {@code jetty.session.redis.uri}. */
    static final String URI_ALIAS = "uri";
    private static final String REDIS_URI = "redisUri";
    /** The line of a module source that {@link #writeTemplate} replaces with the settings. */
    private static final String MARKER = "## @settings@\n";

    private SettingSources() {
    }

    /**
     * Binds a configuration source's entries to settings: each entry named {@code prefix + setting}
     * is handed to {@code set}; entries without the prefix are not Lanyard's and are skipped. Under
     * a prefix, {@code uri} is short for {@code redisUri} (the Jetty property
     * {@code jetty.session.redis.uri}); the setting's own name wins when both are given.
     *
     * @param kind    what an entry is called in a warning ({@code property}, {@code <Manager> attribute})
     * @param prefix  {@code jetty.session.redis.} for Jetty's properties, empty for Tomcat's attributes
     * @param entries names and values as the source gives them
     * @param set     sets one setting by name (a settings bean's {@link LanyardSettings#set})
     * @return one warning per prefixed entry that is not a setting, naming the closest one; never its
     *         value, which may be a password
     */
    static List<String> bind(String kind, String prefix, Map<String, String> entries, BiConsumer<String, String> set) {
        Map<String, String> ours = new TreeMap<>(); // sorted: the warnings come in a stable order
        entries.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                ours.put(key.substring(prefix.length()), value);
            }
        });
        String uri = prefix.isEmpty() ? null : ours.remove(URI_ALIAS);
        if (uri != null) {
            ours.putIfAbsent(REDIS_URI, uri); // the setting's own name wins
        }
        List<String> warnings = new ArrayList<>();
        ours.forEach((name, value) -> {
            if (LanyardSettings.isSetting(name)) {
                set.accept(name, value);
            } else {
                // Never the value: it may be a password.
                warnings.add(kind + " " + prefix + name + " is not a Lanyard setting and was ignored; did you mean "
                        + shown(prefix, LanyardSettings.closestName(name)) + "?");
            }
        });
        return warnings;
    }

    private static String shown(String prefix, String setting) {
        return !prefix.isEmpty() && setting.equals(REDIS_URI) ? prefix + URI_ALIAS + " / " + REDIS_URI : prefix + setting;
    }

    /** See {@link LanyardSettings#main}. */
    static void writeTemplate(Path source, Path target, String prefix) throws IOException {
        String text = Files.readString(source, StandardCharsets.UTF_8);
        if (!text.contains(MARKER)) {
            throw new IllegalStateException(source + " lacks the line " + MARKER.strip());
        }
        Files.createDirectories(target.getParent());
        Files.writeString(target, text.replace(MARKER, template(prefix)), StandardCharsets.UTF_8);
    }

    /** Every setting as a commented-out property {@code prefix + name} with its default, after a line with its meaning. */
    static String template(String prefix) {
        StringBuilder sb = new StringBuilder();
        for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
            boolean uri = s.name().equals(REDIS_URI);
            sb.append("## ").append(s.description()).append('\n');
            if (uri) {
                sb.append("## (").append(prefix).append(REDIS_URI).append(" works too, and wins if both are given)\n");
            }
            sb.append('#').append(prefix).append(uri ? URI_ALIAS : s.name()).append('=').append(s.defaultValue()).append("\n\n");
        }
        return sb.toString();
    }

    /**
     * The settings of a starting webapp: {@code LANYARD_*} overrides from {@code environment}, then
     * the container's {@code defaultNodeName} when no node name is set, then validation. Returns the
     * overridden settings' names.
     */
    static List<String> prepare(LanyardSettings s, Map<String, String> environment, String contextPath, String defaultNodeName) {
        List<String> fromEnvironment = s.applyEnvironment(environment);
        String nodeName = s.getNodeName();
        if ((nodeName == null || nodeName.isBlank()) && defaultNodeName != null) {
            s.setNodeName(defaultNodeName);
        }
        s.validate(contextPath);
        return fromEnvironment;
    }

    /** See {@link LanyardSettings#applyEnvironment}. */
    static List<String> applyEnvironment(LanyardSettings settings, Map<String, String> environment) {
        List<String> applied = new ArrayList<>();
        for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
            String value = environment.get(s.environmentVariable());
            if (value != null) {
                settings.assign(s, value, " (from " + s.environmentVariable() + ")");
                applied.add(s.name());
            }
        }
        return applied;
    }

    /** {@code redisUri} becomes {@code LANYARD_REDIS_URI}. */
    static String environmentVariable(String name) {
        StringBuilder sb = new StringBuilder("LANYARD_");
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_');
            }
            sb.append(Character.toUpperCase(c));
        }
        return sb.toString();
    }
}
