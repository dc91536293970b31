/**
 * Lanyard's application API: what a webapp may call, on Tomcat and on Jetty alike. A webapp finds
 * it as the {@code ServletContext} attribute named {@link io.lanyard.api.SessionControl#ATTRIBUTE}
 * (the interface's fully qualified name); when Lanyard is not installed the attribute is absent.
 * This package is never relocated by shading and is visible to webapps on both containers.
 */
package io.lanyard.api;
