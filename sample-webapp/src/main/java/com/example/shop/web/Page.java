package com.example.shop.web;

import com.example.shop.model.Cart;
import com.example.shop.model.Preferences;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;

import static com.example.shop.web.Html.esc;

/**
 * The page layout: header with the user and cart, the "served by" strip that makes the node hopping visible,
 * and the body. The {@code <body>} carries the same facts as data attributes for the browser test.
 */
final class Page {
    private static final String CSS = """
            :root{--bg:#f5f6f8;--fg:#1f2937;--muted:#6b7280;--card:#fff;--line:#e5e7eb;--accent:#dc2626;--accent-fg:#fff}
            body.theme-dark{--bg:#0f172a;--fg:#e2e8f0;--muted:#94a3b8;--card:#1e293b;--line:#334155;--accent:#f87171;--accent-fg:#0f172a}
            *{box-sizing:border-box}
            body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;background:var(--bg);color:var(--fg)}
            a{color:var(--accent)}
            .wrap{max-width:980px;margin:0 auto;padding:0 20px}
            header.top{background:var(--card);border-bottom:1px solid var(--line)}
            .bar{display:flex;align-items:center;gap:28px;height:60px}
            .brand{font-weight:800;font-size:20px;color:var(--fg);text-decoration:none;letter-spacing:-.3px}
            .brand span{color:var(--accent)}
            nav{display:flex;gap:18px;flex:1}
            nav a{color:var(--fg);text-decoration:none}
            nav a:hover{color:var(--accent)}
            .count{background:var(--accent);color:var(--accent-fg);border-radius:999px;padding:1px 8px;font-size:12px;font-weight:700;margin-left:2px}
            .who{display:flex;gap:10px;align-items:center;color:var(--muted)}
            .who form{margin:0}
            .who b{color:var(--fg)}
            .served{border-bottom:1px solid var(--line);font-size:13px;color:var(--muted)}
            .served .wrap{display:flex;gap:12px;align-items:center;min-height:38px}
            .node{font-weight:700;padding:2px 10px;border-radius:999px;color:#fff;background:#64748b}
            .node-tomcat{background:#c2410c}
            .node-jetty{background:#0f766e}
            code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
            main.wrap{padding-top:26px;padding-bottom:36px}
            h1{font-size:24px;margin:0 0 6px;letter-spacing:-.3px}
            p.lead{margin:0 0 20px;color:var(--muted)}
            .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:16px}
            .card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px;display:flex;flex-direction:column;gap:8px}
            .card h3{margin:4px 0 0;font-size:16px}
            .card p{margin:0;color:var(--muted);font-size:14px;flex:1}
            .tile{height:86px;border-radius:9px;display:flex;align-items:center;justify-content:center;color:#fff;font-weight:800;font-size:24px;letter-spacing:1px}
            .buy{display:flex;justify-content:space-between;align-items:center;margin-top:6px}
            .price{font-weight:700;font-size:17px}
            .muted{color:var(--muted)}
            button,.btn{background:var(--accent);color:var(--accent-fg);border:0;border-radius:7px;padding:8px 14px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;display:inline-block}
            button.secondary{background:transparent;color:var(--fg);border:1px solid var(--line);padding:6px 10px}
            button.link{background:none;color:var(--accent);padding:0;font-weight:500}
            table{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);border:1px solid var(--line);border-radius:12px;overflow:hidden}
            th,td{padding:11px 14px;border-bottom:1px solid var(--line);text-align:left;vertical-align:middle}
            th{font-size:13px;color:var(--muted);font-weight:600}
            tr:last-child td{border-bottom:0}
            .num{text-align:right}
            td form{display:inline-flex;gap:6px;margin:0}
            input,select{font:inherit;padding:6px 9px;border:1px solid var(--line);border-radius:7px;background:var(--bg);color:var(--fg)}
            input[type=number]{width:70px}
            .actions{display:flex;justify-content:flex-end;gap:12px;align-items:center;margin-top:16px}
            .flash{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--accent);padding:10px 14px;border-radius:8px;margin-bottom:18px}
            .panel{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:22px;max-width:460px}
            .panel label{display:block;margin:0 0 14px;font-weight:600}
            .panel label input[type=text],.panel label input[type=password]{display:block;width:100%;margin-top:4px;font-weight:400}
            fieldset{border:1px solid var(--line);border-radius:8px;margin:0 0 16px;padding:10px 14px}
            fieldset label{display:inline;font-weight:400;margin-right:16px}
            legend{font-weight:600;padding:0 4px}
            .status{font-weight:700;padding:2px 12px;border-radius:999px;background:#cbd5e1;color:#0f172a}
            .status-PROCESSING{background:#f59e0b}
            .status-CONFIRMED{background:#16a34a;color:#fff}
            dl{display:grid;grid-template-columns:140px 1fr;gap:8px 16px;margin:0}
            dt{color:var(--muted)}
            dd{margin:0}
            .error{color:#dc2626;font-weight:600}
            footer.wrap{color:var(--muted);font-size:13px;padding-bottom:30px}
            """;

    private final HttpServletRequest req;
    private final String node;
    private final String title;
    private final HttpSession session;
    private final StringBuilder body = new StringBuilder();

    Page(HttpServletRequest req, String node, String title) {
        this.req = req;
        this.node = node;
        this.title = title;
        this.session = req.getSession(false);
    }

    /** Appends raw HTML (callers escape user data with {@link Html#esc}). */
    Page add(String html) {
        body.append(html);
        return this;
    }

    /** A notice at the top of the page; mentions which node handled the preceding POST, if known. */
    Page flash(String message, String handledBy) {
        body.append("<div class=\"flash\" id=\"flash\"");
        if (handledBy != null) {
            body.append(" data-handled-by=\"").append(esc(handledBy)).append('"');
        }
        body.append('>').append(esc(message));
        if (handledBy != null) {
            body.append(" <span class=\"muted\">\u2014 handled by <b>").append(esc(handledBy))
                    .append("</b>, this page by <b>").append(esc(node)).append("</b></span>");
        }
        return add("</div>");
    }

    void write(HttpServletResponse resp) throws IOException {
        String ctx = req.getContextPath();
        String user = ShopServlet.user(session);
        Preferences prefs = ShopServlet.prefs(session);
        Cart cart = ShopServlet.cart(session);
        int count = cart == null ? 0 : cart.itemCount();
        String sessionPrefix = session == null ? "" : session.getId().substring(0, Math.min(12, session.getId().length()));
        String nodeClass = node.startsWith("tomcat") ? "node-tomcat" : node.startsWith("jetty") ? "node-jetty" : "";

        StringBuilder h = new StringBuilder(8192);
        h.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
                .append("<title>").append(esc(title)).append(" \u00b7 Lanyard shop</title>")
                .append("<link rel=\"icon\" href=\"data:,\">") // no favicon request to hop through the balancer
                .append("<style>").append(CSS).append("</style></head>");
        h.append("<body class=\"theme-").append(prefs.getTheme().name().toLowerCase()).append('"')
                .append(" data-node=\"").append(esc(node)).append('"')
                .append(" data-session=\"").append(esc(sessionPrefix)).append('"')
                .append(" data-user=\"").append(esc(user == null ? "" : user)).append('"')
                .append(" data-cart-count=\"").append(count).append('"')
                .append(" data-currency=\"").append(prefs.getCurrency()).append('"')
                .append(" data-theme=\"").append(prefs.getTheme()).append("\">");
        h.append("<header class=\"top\"><div class=\"wrap bar\">")
                .append("<a class=\"brand\" href=\"").append(ctx).append("/\">lanyard<span>.shop</span></a><nav>")
                .append("<a href=\"").append(ctx).append("/\">Catalogue</a>")
                .append("<a href=\"").append(ctx).append("/cart\" id=\"cart-link\">Cart <span class=\"count\">")
                .append(count).append("</span></a>")
                .append("<a href=\"").append(ctx).append("/preferences\">Preferences</a>");
        Object lastOrder = session == null ? null : session.getAttribute(ShopServlet.LAST_ORDER);
        if (user != null && lastOrder != null) {
            h.append("<a href=\"").append(ctx).append("/order?id=").append(esc(lastOrder)).append("\">Last order</a>");
        }
        h.append("</nav><div class=\"who\">");
        if (user != null) {
            h.append("<span>Signed in as <b id=\"user\">").append(esc(user)).append("</b></span>")
                    .append("<a href=\"").append(ctx).append("/account/sessions\" id=\"account-sessions\">Your sessions</a>")
                    .append("<form method=\"post\" action=\"").append(ctx).append("/logout\">")
                    .append("<button class=\"secondary\" id=\"sign-out\">Sign out</button></form>");
        } else {
            h.append("<a class=\"btn\" id=\"sign-in\" href=\"").append(ctx).append("/login\">Sign in</a>");
        }
        h.append("</div></div></header>");
        h.append("<div class=\"served\"><div class=\"wrap\"><span class=\"node ").append(nodeClass)
                .append("\" id=\"node\">served by ").append(esc(node)).append("</span><span>")
                .append(esc(req.getServletContext().getServerInfo())).append("</span><span>session ")
                .append(session == null ? "<i>none yet</i>" : "<code id=\"session\">" + esc(sessionPrefix) + "\u2026</code>")
                .append("</span></div></div>");
        h.append("<main class=\"wrap\">").append(body).append("</main>");
        h.append("<footer class=\"wrap\">Sessions are kept in Redis by Lanyard, so every node sees the same sign-in, "
                + "preferences and cart. Reload: the balancer sends each request to the next node.</footer>");
        h.append("</body></html>");

        resp.setContentType("text/html;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write(h.toString());
    }
}
