package io.lanyard.tomcat;

import io.lanyard.testapp.AccountServlet;
import io.lanyard.testapp.ErrorPageServlet;
import io.lanyard.testapp.RequestEvents;
import io.lanyard.testapp.SessionEvents;
import io.lanyard.testapp.SessionServlet;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ErrorPage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** One embedded Tomcat node with the test webapp at /app and a RedisSessionManager on its context. */
final class EmbeddedNode implements AutoCloseable {
    final String name;
    final Tomcat tomcat;
    final Context context;
    final RedisSessionManager manager;

    EmbeddedNode(String name, String redisUri, Consumer<RedisSessionManager> configure) throws LifecycleException, IOException {
        this.name = name;
        Path base = Files.createTempDirectory("lanyard-tomcat-" + name);
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        tomcat.setPort(0);
        tomcat.getEngine().setName("node-" + name); // distinct JMX domains for two nodes in one JVM
        tomcat.getEngine().setJvmRoute(name);
        tomcat.getEngine().setBackgroundProcessorDelay(-1);
        tomcat.getConnector();
        tomcat.addUser("alice", "wonderland");
        tomcat.addRole("alice", "admin");
        Path docBase = Files.createDirectories(base.resolve("app"));
        context = tomcat.addContext("/app", docBase.toString());
        context.addParameter("node", name);
        manager = new RedisSessionManager();
        manager.setProperty("redisUri", redisUri);
        manager.setProperty("allowedClasses", "io.lanyard.testapp.**");
        manager.setProperty("nodeName", name);
        // Tests drive expiry themselves (manager.scavenge()): the core's own passes come rarely,
        // so they do not disturb command counts.
        manager.setProperty("scavengeIntervalSeconds", "300");
        manager.setProperty("claimLeaseSeconds", "5");
        manager.setProperty("gracePeriodSeconds", "700");
        manager.setProperty("connectTimeoutMillis", "500");
        manager.setProperty("readTimeoutMillis", "1000");
        configure.accept(manager);
        context.setManager(manager);
        Tomcat.addServlet(context, "s", new SessionServlet()).setAsyncSupported(true);
        context.addServletMappingDecoded("/s/*", "s");
        Tomcat.addServlet(context, "account", new AccountServlet());
        context.addServletMappingDecoded("/account/*", "account");
        Tomcat.addServlet(context, "error", new ErrorPageServlet());
        context.addServletMappingDecoded("/error-page", "error");
        ErrorPage gone = new ErrorPage();
        gone.setErrorCode(410);
        gone.setLocation("/error-page");
        context.addErrorPage(gone);
        context.addApplicationListener(SessionEvents.class.getName());
        context.addApplicationListener(RequestEvents.class.getName());
        tomcat.start();
    }

    int port() {
        return tomcat.getConnector().getLocalPort();
    }

    /** Sessions held by requests in progress: the core's {@code SessionsInUse} (JMX). */
    int sessionsInUse() {
        return manager.store().metrics().getSessionsInUse();
    }

    /** Saves that failed after the response was committed: the core's {@code LostSaves} (JMX). */
    long lostSaves() {
        return manager.store().metrics().getLostSaves();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + "/app" + path;
    }

    @Override
    public void close() throws LifecycleException {
        tomcat.stop();
        tomcat.destroy();
    }
}
