package io.lanyard.testapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Container-neutral test servlet for values Kryo writes with generic types, mapped to {@code /l/*}:
 * <ul>
 * <li>{@code /l/add?item=i} – appends i, in place, to attribute "lists" ({@code ArrayList<ArrayList<String>>},
 *     a new inner list every three items)</li>
 * <li>{@code /l/lists} – attribute "lists", "[]" when absent</li>
 * <li>{@code /l/bookmark?uri=u} – sets attribute "bookmarks" to a {@link Bookmarks} holding u: a value
 *     Lanyard cannot store (its element class is not allowed)</li>
 * </ul>
 */
public class ListsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    @SuppressWarnings("unchecked")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String op = req.getPathInfo() == null ? "" : req.getPathInfo().substring(1);
        resp.setContentType("text/plain;charset=UTF-8");
        HttpSession session = req.getSession(true);
        switch (op) {
            case "add" -> {
                ArrayList<ArrayList<String>> lists = (ArrayList<ArrayList<String>>) session.getAttribute("lists");
                if (lists == null) {
                    lists = new ArrayList<>();
                    session.setAttribute("lists", lists);
                }
                if (lists.isEmpty() || lists.get(lists.size() - 1).size() == 3) {
                    lists.add(new ArrayList<>());
                }
                lists.get(lists.size() - 1).add(req.getParameter("item"));
                resp.getWriter().print("ok");
            }
            case "lists" -> {
                Object lists = session.getAttribute("lists");
                resp.getWriter().print(lists == null ? "[]" : List.copyOf((List<?>) lists).toString());
            }
            case "bookmark" -> {
                Bookmarks bookmarks = new Bookmarks();
                bookmarks.links.add(URI.create(req.getParameter("uri")));
                session.setAttribute("bookmarks", bookmarks);
                resp.getWriter().print("ok");
            }
            default -> resp.sendError(404);
        }
    }
}
