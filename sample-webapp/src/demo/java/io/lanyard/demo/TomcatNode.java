package io.lanyard.demo;

import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Manager;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.IntrospectionUtils;
import org.apache.tomcat.util.scan.StandardJarScanner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One embedded Tomcat serving shop.war at {@code /shop}, its sessions managed by Lanyard's
 * {@code RedisSessionManager}. The manager is created and configured exactly as Tomcat's digester does for
 * <pre>{@code <Manager className="io.lanyard.tomcat.RedisSessionManager" redisUri="..." allowedClasses="com.example.shop.**"
 *          principalAttribute="auth.user"/>}</pre>
 * from the drop-in jar, loaded by {@link AdapterClassLoader}.
 */
final class TomcatNode implements DemoLauncher.Part {
    private static final String MANAGER_CLASS = "io.lanyard.tomcat.RedisSessionManager";
    /** Where the shop's LoginServlet keeps the signed-in user's name: Lanyard's principalAttribute for the shop. */
    static final String SHOP_USER_ATTRIBUTE = "auth.user";

    private final Tomcat tomcat = new Tomcat();
    private final String label;
    private final AdapterClassLoader adapterLoader;

    TomcatNode(String name, String host, int port, Path war, Path adapterJar, String redisUri, Path workDir)
            throws IOException, ReflectiveOperationException, LifecycleException {
        label = name;
        Path base = Files.createDirectories(workDir.resolve(name));
        tomcat.setBaseDir(base.toString());
        Files.createDirectories(base.resolve("webapps"));
        tomcat.setHostname(host);
        tomcat.setPort(port);
        tomcat.getConnector().setProperty("address", host);
        tomcat.getEngine().setName(name); // its JMX domain; keeps the node's MBeans apart from Jetty's
        tomcat.setAddDefaultWebXmlToWebapp(false); // no JSP engine here, and the shop needs no default servlet

        Context context = tomcat.addWebapp("/shop", war.toString());
        if (context instanceof StandardContext standard) {
            // These two leak checks need --add-opens; the shop starts no ThreadLocals or RMI anyway.
            standard.setClearReferencesThreadLocals(false);
            standard.setClearReferencesRmiTargets(false);
        }
        context.addParameter("lanyard.demo.node", name);
        context.addParameter("shop.redisUri", redisUri);
        // Only the war's own jars matter; scanning the launcher's class path would just slow the start.
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false);
        scanner.setScanManifest(false);
        context.setJarScanner(scanner);

        adapterLoader = new AdapterClassLoader(adapterJar, TomcatNode.class.getClassLoader());
        context.setManager(redisSessionManager(adapterLoader, redisUri, "com.example.shop.**", name));

        tomcat.start();
        if (!context.getState().isAvailable()) {
            throw new IllegalStateException(name + ": /shop failed to start (see the log above)");
        }
    }

    /**
     * A {@code RedisSessionManager} from the drop-in jar that {@code adapterLoader} loads, configured as Tomcat's
     * digester configures a {@code <Manager>} element with these attributes.
     */
    static Manager redisSessionManager(AdapterClassLoader adapterLoader, String redisUri, String allowedClasses,
            String nodeName) throws ReflectiveOperationException {
        Manager manager = (Manager) adapterLoader.loadClass(MANAGER_CLASS).getDeclaredConstructor().newInstance();
        setProperty(manager, "redisUri", redisUri);
        setProperty(manager, "allowedClasses", allowedClasses);
        setProperty(manager, "nodeName", nodeName);
        // The shop keeps its signed-in user in this attribute (LoginServlet): that makes a session the user's.
        setProperty(manager, "principalAttribute", SHOP_USER_ATTRIBUTE);
        return manager;
    }

    private static void setProperty(Object bean, String name, String value) {
        if (!IntrospectionUtils.setProperty(bean, name, value)) {
            throw new IllegalStateException(bean.getClass().getName() + " has no property " + name);
        }
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    @Override
    public String toString() {
        return label;
    }

    @Override
    public void close() throws Exception {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            adapterLoader.close();
        }
    }
}
