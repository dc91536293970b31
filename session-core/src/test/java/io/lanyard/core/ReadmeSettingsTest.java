package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The README's settings table is the users' reference: it must list every setting, its default and its variable. */
class ReadmeSettingsTest {
    @Test
    void readmeListsEverySettingWithItsEnvironmentVariableAndDefault() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        for (LanyardSettings.Setting s : LanyardSettings.SETTINGS) {
            String row = "| `" + s.name() + "` | `" + s.environmentVariable() + "` | "
                    + (s.defaultValue().isEmpty() ? "(empty)" : "`" + s.defaultValue() + "`") + " |";
            assertTrue(text.contains(row), "README settings table lacks or misstates: " + row);
        }
    }
}
