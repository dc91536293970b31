package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's settings table is the users' reference: row for row it must be what
 * {@link LanyardSettings#SETTINGS} defines (name, environment variable, default, meaning), in the
 * same order and with nothing else. On a difference the failure message holds the table to paste.
 */
class ReadmeSettingsTest {
    static final String HEADER = "| setting (Tomcat attribute / Jetty `jetty.session.redis.<name>`) | environment override | default | meaning |";

    @Test
    void readmeSettingsTableIsTheDefinition() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int header = readme.indexOf(HEADER);
        assertTrue(header >= 0, "README.md lacks the settings table header: " + HEADER);
        List<String> rows = new ArrayList<>();
        for (int i = header + 2; i < readme.size() && readme.get(i).startsWith("|"); i++) {
            rows.add(readme.get(i));
        }
        List<String> expected = LanyardSettings.SETTINGS.stream().map(ReadmeSettingsTest::row).toList();
        assertEquals(String.join("\n", expected), String.join("\n", rows),
                "README.md's settings table differs from LanyardSettings; the table should read:\n"
                        + HEADER + "\n| --- | --- | --- | --- |\n" + String.join("\n", expected) + "\n");
    }

    private static String row(LanyardSettings.Setting s) {
        String dflt = s.defaultValue().isEmpty() ? "(empty)" : "`" + s.defaultValue() + "`";
        return "| `" + s.name() + "` | `" + s.environmentVariable() + "` | " + dflt + " | " + s.description() + " |";
    }
}
