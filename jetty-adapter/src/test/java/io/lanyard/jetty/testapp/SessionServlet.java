package io.lanyard.jetty.testapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A plain test servlet (no Lanyard imports): {@code ?op=create|get|set|tally|hold|hold-read|cart|ttl|names|login|user|invalidate|change-id}
 * ({@code login}: {@code name}=user, {@code value}=password), and {@code ?op=ping}, which never touches the session.
 * Also packaged into the test war for the distribution test.
 */
public class SessionServlet extends HttpServlet {
    /** sessionDestroyed calls seen in this JVM: "node:id:user" per call. */
    public static final List<String> DESTROYED = new CopyOnWriteArrayList<>();
    public static final Map<String, String> NODE_OF_LISTENER = new ConcurrentHashMap<>();
    /** Called with the session id at the start of each sessionDestroyed (tests look at Redis then). */
    public static volatile java.util.function.Consumer<String> onDestroyed = id -> { };
    /** {@code op=hold} (and {@code hold-read}): counted down once the attribute is set (read); the request then waits for {@link #release}. */
    public static volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    public static volatile java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

    @Override
    @SuppressWarnings("unchecked")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String op = req.getParameter("op");
        String name = req.getParameter("name");
        String value = req.getParameter("value");
        resp.setContentType("text/plain;charset=utf-8");
        if ("ping".equals(op)) {
            resp.getWriter().print("pong");
            return;
        }
        HttpSession s = req.getSession("create".equals(op));
        if (s == null) {
            resp.setStatus(404);
            resp.getWriter().print("no session");
            return;
        }
        String out;
        switch (op) {
            case "create" -> {
                if (name != null) {
                    s.setAttribute(name, value);
                }
                out = s.getId();
            }
            case "get" -> out = String.valueOf(s.getAttribute(name));
            case "set" -> {
                s.setAttribute(name, value);
                out = "ok";
            }
            case "cart" -> {
                List<String> cart = (List<String>) s.getAttribute("cart");
                if (cart == null) {
                    cart = new ArrayList<>();
                    cart.add(value);
                    s.setAttribute("cart", cart);
                } else {
                    cart.add(value); // in place, no setAttribute
                }
                out = cart.toString();
            }
            case "tally" -> { // a mutable attribute read without iterating it: only change detection iterates it
                CountingList tally = (CountingList) s.getAttribute("tally");
                if (tally == null) {
                    tally = new CountingList();
                    tally.add(value);
                    s.setAttribute("tally", tally);
                }
                out = String.valueOf(tally.size());
            }
            case "hold" -> {
                s.setAttribute(name, value);
                held.countDown();
                try {
                    release.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out = "ok";
            }
            case "hold-read" -> {
                Object v = s.getAttribute(name);
                held.countDown();
                try {
                    release.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out = String.valueOf(v);
            }
            case "ttl" -> {
                s.setMaxInactiveInterval(Integer.parseInt(value));
                out = "ok";
            }
            case "names" -> {
                List<String> names = new ArrayList<>(java.util.Collections.list(s.getAttributeNames()));
                java.util.Collections.sort(names);
                out = names.toString();
            }
            case "login" -> {
                try {
                    req.login(name, value); // the container's realm (Tomcat in CrossContainerIT)
                } catch (jakarta.servlet.ServletException e) {
                    resp.sendError(403);
                    return;
                }
                out = req.getUserPrincipal().getName();
            }
            case "user" -> out = req.getUserPrincipal() == null ? "anonymous"
                    : req.getUserPrincipal().getName() + " admin=" + req.isUserInRole("admin");
            case "invalidate" -> {
                s.invalidate();
                out = "ok";
            }
            case "change-id" -> out = req.changeSessionId();
            default -> out = "?";
        }
        resp.getWriter().print(out);
    }

    /** Records each sessionDestroyed with the attribute "user" as the listener saw it. */
    public static class Listener implements HttpSessionListener {
        @Override
        public void sessionDestroyed(HttpSessionEvent se) {
            onDestroyed.accept(se.getSession().getId());
            String node = String.valueOf(se.getSession().getServletContext().getInitParameter("node"));
            DESTROYED.add(node + ":" + se.getSession().getId() + ":" + se.getSession().getAttribute("user"));
        }
    }
}
