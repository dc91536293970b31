package io.lanyard.demo;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;

/**
 * Loads the Tomcat drop-in jar the way {@code $CATALINA_BASE/lib} would: in the demo's single JVM the Jetty node
 * has the plain {@code lanyard-session-core} on the class path, while the Tomcat node must run the shaded copy
 * inside {@code lanyard-tomcat.jar}. So {@code io.lanyard.*} classes and resources are looked up in the jar
 * first; everything else (Tomcat, the JDK) comes from the parent. Except the application API
 * ({@code io.lanyard.api}): the webapps see it through the parent, as they see {@code $CATALINA_BASE/lib}
 * in a real Tomcat, so the adapter must implement that same copy.
 */
final class AdapterClassLoader extends URLClassLoader {
    private static final String OWN_CLASSES = "io.lanyard.";
    private static final String SHARED_API = "io.lanyard.api.";
    private static final String OWN_RESOURCES = "io/lanyard/";

    static {
        registerAsParallelCapable();
    }

    AdapterClassLoader(Path jar, ClassLoader parent) throws java.net.MalformedURLException {
        super("lanyard-tomcat", new URL[] {jar.toUri().toURL()}, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(OWN_CLASSES) || name.startsWith(SHARED_API)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException notInJar) {
                    c = super.loadClass(name, false);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        if (name.startsWith(OWN_RESOURCES)) {
            URL url = findResource(name);
            if (url != null) {
                return url;
            }
        }
        return super.getResource(name);
    }
}
