package io.lanyard.jetty;

import io.lanyard.core.LanyardSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.xml.ConfigurationProcessor;
import org.eclipse.jetty.xml.ConfigurationProcessorFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.eclipse.jetty.xml.XmlParser;

/**
 * The module's properties: {@code jetty.session.redis.<setting>} for every Lanyard setting, plus
 * {@code jetty.session.redis.uri}, DESIGN.md's name for {@code redisUri}.
 *
 * <p>Jetty XML reads a property only by its exact name, so it could never notice a misspelt one.
 * The module's {@code etc/sessions/redis/properties.xml} is therefore one
 * {@code <LanyardProperties factory="id"/>} element, which Jetty's {@link XmlConfiguration} hands,
 * with all its properties, to this {@link ConfigurationProcessorFactory} (a Jetty extension point,
 * found by ServiceLoader in {@code lib/redis}), which binds them to the factory that
 * {@code session-store.xml} created under that id ({@link LanyardSettings#bindAll}: each webapp's
 * store warns of unknown names at start, with the closest one). The module's ini template is generated from the same
 * definition at build time ({@link #main}).
 */
public final class JettyProperties implements ConfigurationProcessorFactory {
    static final String PREFIX = "jetty.session.redis.";
    static final String TAG = "LanyardProperties";
    /** The line of the module source that {@link #main} replaces with the settings. */
    static final String MARKER = "## @settings@";

    @Override
    public ConfigurationProcessor getConfigurationProcessor(String dtd, String tag) {
        return TAG.equals(tag) ? new Processor() : null;
    }

    /** Applies the properties when Jetty processes the {@code <LanyardProperties>} file. */
    private static final class Processor implements ConfigurationProcessor {
        private XmlParser.Node root;
        private XmlConfiguration configuration;

        @Override
        public void init(Resource resource, XmlParser.Node root, XmlConfiguration configuration) {
            this.root = root;
            this.configuration = configuration;
        }

        @Override
        public Object configure(Object ignored) {
            return configure();
        }

        @Override
        public Object configure() {
            String id = root.getAttribute("factory");
            if (!(configuration.getIdMap().get(id) instanceof RedisSessionDataStoreFactory factory)) {
                throw new IllegalStateException(configuration + ": no RedisSessionDataStoreFactory with id '" + id
                        + "'; the XML that creates it must come first");
            }
            factory.setProperties(configuration.getProperties());
            return factory;
        }
    }

    /**
     * Build step (exec-maven-plugin, see jetty-adapter/pom.xml): copies the module source
     * {@code args[0]} to {@code args[1]}, with the {@link #MARKER} line replaced by
     * {@link LanyardSettings#propertiesTemplate} of {@link #PREFIX}.
     */
    public static void main(String[] args) throws IOException {
        String source = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        if (!source.contains(MARKER + "\n")) {
            throw new IllegalStateException(args[0] + " lacks the line " + MARKER);
        }
        Path target = Path.of(args[1]);
        Files.createDirectories(target.getParent());
        Files.writeString(target, source.replace(MARKER + "\n", LanyardSettings.propertiesTemplate(PREFIX)), StandardCharsets.UTF_8);
    }
}
