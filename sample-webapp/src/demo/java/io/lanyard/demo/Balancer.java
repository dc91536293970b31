package io.lanyard.demo;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.proxy.BalancerServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.util.Map;

/**
 * The load balancer in front of the nodes: Jetty's {@link BalancerServlet}, round robin per request and
 * <em>not</em> sticky, so consecutive requests of one browser alternate between Tomcat and Jetty.
 */
final class Balancer implements DemoLauncher.Part {
    private final Server server = new Server();
    private final ServerConnector connector;

    /** @param members node name to base URL, e.g. {@code tomcat-1 -> http://127.0.0.1:41234} */
    Balancer(String host, int port, Map<String, String> members) throws Exception {
        connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder balancer = new ServletHolder("balancer", BalancerServlet.class);
        members.forEach((name, url) -> balancer.setInitParameter("balancerMember." + name + ".proxyTo", url));
        balancer.setInitParameter("stickySessions", "false");
        balancer.setInitParameter("proxyPassReverse", "true"); // rewrite the nodes' absolute redirects to us
        context.addServlet(balancer, "/*");
        context.addServlet(new ServletHolder("root", new RootRedirect()), "");
        server.setHandler(context);
        server.setStopAtShutdown(false);
        server.start();
    }

    int port() {
        return connector.getLocalPort();
    }

    @Override
    public String toString() {
        return "balancer";
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** {@code /} has nothing but the shop. */
    private static final class RootRedirect extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            resp.setStatus(HttpServletResponse.SC_FOUND);
            resp.setHeader("Location", "/shop/");
        }
    }
}
