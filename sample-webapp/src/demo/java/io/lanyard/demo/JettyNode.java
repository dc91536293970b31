package io.lanyard.demo;

import io.lanyard.jetty.LanyardSessionCacheFactory;
import io.lanyard.jetty.RedisSessionDataStoreFactory;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One embedded Jetty 12 (ee10) serving shop.war at {@code /shop}, its sessions stored by Lanyard's
 * {@code RedisSessionDataStore}. Both factories are server beans, which is how every SessionHandler finds them.
 */
final class JettyNode implements DemoLauncher.Part {
    private final Server server = new Server();
    private final String label;
    private final ServerConnector connector;

    JettyNode(String name, String host, int port, Path war, String redisUri, Path workDir) throws Exception {
        label = name;
        connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        RedisSessionDataStoreFactory store = new RedisSessionDataStoreFactory();
        store.setRedisUri(redisUri);
        store.setAllowedClasses("com.example.shop.**");
        store.set("nodeName", name);
        store.set("principalAttribute", TomcatNode.SHOP_USER_ATTRIBUTE);
        server.addBean(store);

        // Non-sticky: never keep a session in memory between requests (another node may change it meanwhile),
        // and write it before the response is committed, so the browser's next request, which may land on the
        // other node, already finds the change in Redis.
        // LanyardSessionCacheFactory does both, with a session map whose loads do not queue behind each other.
        server.addBean(new LanyardSessionCacheFactory());

        WebAppContext context = new WebAppContext();
        context.setContextPath("/shop");
        context.setWar(war.toString());
        context.setTempDirectory(Files.createDirectories(workDir.resolve(name)).toFile());
        context.setInitParameter("lanyard.demo.node", name);
        context.setInitParameter("shop.redisUri", redisUri);
        context.setThrowUnavailableOnStartupException(true);
        server.setHandler(context);
        server.setStopAtShutdown(false); // the launcher stops the nodes in order
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public String toString() {
        return label;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
