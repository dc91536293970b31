package io.lanyard.testapp;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.util.Collections;
import java.util.TreeSet;

/**
 * Container-neutral test servlet (plain jakarta.servlet, nothing of Lanyard), mapped to {@code /s/*}.
 * Operations by path, answers as text/plain:
 * <ul>
 * <li>{@code /s/create} – getSession(true), prints id and isNew</li>
 * <li>{@code /s/get?name=n} – value or "null" (no session: "no-session")</li>
 * <li>{@code /s/set?name=n&value=v} – setAttribute (creates the session)</li>
 * <li>{@code /s/cart-add?item=i} – adds to the Cart attribute in place (setAttribute only when new)</li>
 * <li>{@code /s/cart} – the cart items</li>
 * <li>{@code /s/names} – sorted attribute names (read-only)</li>
 * <li>{@code /s/info} – id, isNew, creationTime, lastAccessedTime, maxInactiveInterval</li>
 * <li>{@code /s/timeout?seconds=n} – setMaxInactiveInterval</li>
 * <li>{@code /s/change-id} – request.changeSessionId(), prints the new id</li>
 * <li>{@code /s/invalidate}</li>
 * <li>{@code /s/login?user=u&password=p} – creates the session and {@code request.login} (container realm)</li>
 * <li>{@code /s/user} – the authenticated user name and whether it has role admin, or "anonymous"</li>
 * <li>{@code /s/events} – the event lines of {@link SessionEvents}</li>
 * <li>{@code /s/error?code=n} – {@code sendError(n)} (the container renders its error page)</li>
 * <li>{@code /s/big?chars=n[&flush=true]} – sets attribute "big" to n characters; flush commits the response first</li>
 * <li>{@code /s/hold} – looks the session up, then waits until {@link #RELEASE_HOLD} opens</li>
 * <li>{@code /s/async-set?name=n&value=v} – setAttribute on another thread of an async request (creates the session)</li>
 * </ul>
 */
@WebServlet(urlPatterns = "/s/*")
public class SessionServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    /** {@code /s/hold} counts this down once it has the session, then waits for {@link #RELEASE_HOLD}. */
    public static volatile java.util.concurrent.CountDownLatch HOLDING = new java.util.concurrent.CountDownLatch(1);
    public static volatile java.util.concurrent.CountDownLatch RELEASE_HOLD = new java.util.concurrent.CountDownLatch(1);

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String op = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
        resp.setContentType("text/plain;charset=UTF-8");
        String out;
        switch (op) {
            case "create" -> {
                HttpSession s = req.getSession(true);
                out = s.getId() + " new=" + s.isNew();
            }
            case "get" -> {
                HttpSession s = req.getSession(false);
                out = s == null ? "no-session" : String.valueOf(s.getAttribute(req.getParameter("name")));
            }
            case "set" -> {
                req.getSession(true).setAttribute(req.getParameter("name"), req.getParameter("value"));
                out = "ok";
            }
            case "cart-add" -> {
                HttpSession s = req.getSession(true);
                Cart cart = (Cart) s.getAttribute("cart");
                if (cart == null) {
                    cart = new Cart();
                    s.setAttribute("cart", cart);
                }
                cart.add(req.getParameter("item"));
                out = "ok";
            }
            case "cart" -> {
                HttpSession s = req.getSession(false);
                Cart cart = s == null ? null : (Cart) s.getAttribute("cart");
                out = cart == null ? "[]" : cart.items().toString();
            }
            case "names" -> {
                HttpSession s = req.getSession(false);
                out = s == null ? "no-session" : new TreeSet<>(Collections.list(s.getAttributeNames())).toString();
            }
            case "info" -> {
                HttpSession s = req.getSession(false);
                out = s == null ? "no-session" : "id=" + s.getId() + " new=" + s.isNew() + " created=" + s.getCreationTime()
                        + " lastAccessed=" + s.getLastAccessedTime() + " maxInactive=" + s.getMaxInactiveInterval();
            }
            case "timeout" -> {
                req.getSession(true).setMaxInactiveInterval(Integer.parseInt(req.getParameter("seconds")));
                out = "ok";
            }
            case "change-id" -> {
                req.getSession(true);
                out = req.changeSessionId();
            }
            case "invalidate" -> {
                HttpSession s = req.getSession(false);
                if (s != null) {
                    s.invalidate();
                }
                out = "ok";
            }
            case "login" -> {
                req.getSession(true);
                try {
                    req.login(req.getParameter("user"), req.getParameter("password"));
                } catch (jakarta.servlet.ServletException e) {
                    resp.sendError(403);
                    return;
                }
                out = req.getUserPrincipal().getName();
            }
            case "user" -> out = req.getUserPrincipal() == null ? "anonymous" : req.getUserPrincipal().getName()
                    + " admin=" + req.isUserInRole("admin");
            case "events" -> out = String.join("\n", SessionEvents.EVENTS);
            case "error" -> {
                resp.sendError(Integer.parseInt(req.getParameter("code")));
                return;
            }
            case "big" -> {
                req.getSession(true).setAttribute("big", "x".repeat(Integer.parseInt(req.getParameter("chars"))));
                if ("true".equals(req.getParameter("flush"))) {
                    resp.getWriter().print("committed");
                    resp.flushBuffer();
                    return;
                }
                out = "ok";
            }
            case "hold" -> {
                HttpSession s = req.getSession(false);
                HOLDING.countDown();
                try {
                    RELEASE_HOLD.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out = s == null ? "no-session" : "held";
            }
            case "async-set" -> {
                jakarta.servlet.AsyncContext async = req.startAsync();
                async.start(() -> {
                    try {
                        req.getSession(true).setAttribute(req.getParameter("name"), req.getParameter("value"));
                        async.getResponse().getWriter().print("ok");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } finally {
                        async.complete();
                    }
                });
                return;
            }
            default -> {
                resp.sendError(404);
                return;
            }
        }
        resp.getWriter().print(out);
    }
}
