package io.lanyard.tomcat;

import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.ContextConfig;
import org.apache.tomcat.util.digester.Digester;
import org.junit.jupiter.api.Test;
import org.xml.sax.InputSource;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code <Manager>} attributes through Tomcat's own context.xml Digester (the rules ContextConfig
 * parses every context.xml with): Lanyard settings reach the settings, ManagerBase's attributes
 * their own setters, and an unknown attribute becomes one warning with the closest setting's name
 * (logged at start; the distribution IT sees it in catalina.out) instead of a Digester line that
 * would print its value.
 */
class ManagerAttributesTest {

    /** ContextConfig's context.xml digester, reached through its protected factory method. */
    static final class RealContextConfig extends ContextConfig {
        Digester contextDigester() {
            return createContextDigester();
        }
    }

    private static RedisSessionManager parse(String managerAttributes, List<String> digesterLog) throws Exception {
        StandardContext context = new StandardContext();
        context.setName("/shop");
        context.setPath("/shop");
        Digester digester = new RealContextConfig().contextDigester();
        digester.push(context);
        Logger digesterLogger = Logger.getLogger(Digester.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                digesterLog.add(r.getMessage() + " " + java.util.Arrays.toString(r.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        digesterLogger.addHandler(capture);
        try {
            digester.parse(new InputSource(new StringReader("<Context><Manager className=\"" + RedisSessionManager.class.getName()
                    + "\" " + managerAttributes + "/></Context>")));
        } finally {
            digesterLogger.removeHandler(capture);
        }
        return (RedisSessionManager) context.getManager();
    }

    @Test
    void settingsManagerBaseAttributesAndAMisspeltOne() throws Exception {
        List<String> digesterLog = new ArrayList<>();
        RedisSessionManager manager = parse("redisUri=\"redis://10.0.0.5:6379\" poolSize=\"4\" maxActiveSessions=\"7\""
                + " redisUrl=\"redis://:s3cret@elsewhere:6379\" trustStorePassword=\"s3cret\"", digesterLog);
        assertEquals("redis://10.0.0.5:6379", manager.getProperty("redisUri"));
        assertEquals("4", manager.getProperty("poolSize"));
        assertEquals("****", manager.getProperty("trustStorePassword"));
        assertNull(manager.getProperty("redisUrl"));
        assertEquals(7, manager.getMaxActiveSessions(), "ManagerBase's own attribute keeps its setter");
        assertEquals(List.of("<Manager> attribute redisUrl is not a Lanyard setting and was ignored;"
                + " did you mean redisUri?"), manager.settings().ignoredNames(), "logged by the store when it starts");
        assertFalse(digesterLog.toString().contains("s3cret"), "the Digester logged a value: " + digesterLog);
        manager.settings().validate("/shop");
    }

    @Test
    void anUnreadableValueFailsTheStartCheck() throws Exception {
        RedisSessionManager manager = parse("poolSize=\"lots\"", new ArrayList<>());
        assertTrue(manager.settings().ignoredNames().isEmpty());
        String message = assertThrows(io.lanyard.core.LanyardException.class,
                () -> manager.settings().validate("/shop")).getMessage();
        assertTrue(message.contains("poolSize must be a whole number, was 'lots'"), message);
    }
}
