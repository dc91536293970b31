package io.lanyard.core;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TouchIntervalSettingTest {
    @Test
    void autoByDefaultAWholeNumberOrAutoFromEveryConfigurationSource() {
        LanyardSettings s = new LanyardSettings();
        assertEquals(-1, s.getTouchIntervalSeconds());
        assertEquals("auto", s.get("touchIntervalSeconds"));
        s.set("touchIntervalSeconds", "0");
        assertEquals(0, s.getTouchIntervalSeconds());
        s.applyEnvironment(Map.of("LANYARD_TOUCH_INTERVAL_SECONDS", "15"));
        assertEquals(15, s.getTouchIntervalSeconds());
        s.set("touchIntervalSeconds", "AUTO");
        assertEquals(-1, s.getTouchIntervalSeconds());
    }

    @Test
    void aNegativeOrUnreadableIntervalFailsTheStart() {
        LanyardSettings s = new LanyardSettings().set("touchIntervalSeconds", "-5");
        LanyardException e = assertThrows(LanyardException.class, () -> s.validate("/shop"));
        assertTrue(e.getMessage().contains("touchIntervalSeconds must be a whole number >= 0 or 'auto', was '-5'"), e.getMessage());
        LanyardSettings t = new LanyardSettings().set("touchIntervalSeconds", "soon");
        assertThrows(LanyardException.class, () -> t.validate("/shop"));
    }
}
