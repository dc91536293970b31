package io.lanyard.jetty;

import io.lanyard.core.LanyardSettings;
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
 * definition at build time ({@link LanyardSettings#main}).
 */
public final class JettyProperties implements ConfigurationProcessorFactory, ConfigurationProcessor {
    static final String PREFIX = "jetty.session.redis.";
    static final String TAG = "LanyardProperties";

    private XmlParser.Node root;
    private XmlConfiguration configuration;

    /** A processor (a new instance of this class) for the {@code <LanyardProperties>} file; none for any other. */
    @Override
    public ConfigurationProcessor getConfigurationProcessor(String dtd, String tag) {
        return TAG.equals(tag) ? new JettyProperties() : null;
    }

    @Override
    public void init(Resource resource, XmlParser.Node root, XmlConfiguration configuration) {
        this.root = root;
        this.configuration = configuration;
    }

    @Override
    public Object configure(Object ignored) {
        return configure();
    }

    /** Applies the properties to the factory named by the file. */
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
