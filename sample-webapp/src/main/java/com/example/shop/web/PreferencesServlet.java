package com.example.shop.web;

import com.example.shop.model.Currency;
import com.example.shop.model.Preferences;
import com.example.shop.model.Theme;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Display currency and theme, kept in the session for signed-in and anonymous visitors alike. */
public final class PreferencesServlet extends ShopServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String ctx = req.getContextPath();
        Preferences prefs = prefs(req.getSession(false));
        Page page = page(req, "Preferences");
        if (req.getParameter("saved") != null) {
            page.flash("Preferences saved", req.getParameter("by"));
        }
        page.add("<h1>Preferences</h1><p class=\"lead\">Stored in your session: every node renders with them.</p>");
        page.add("<form class=\"panel\" method=\"post\" action=\"" + ctx + "/preferences\"><fieldset><legend>Currency</legend>");
        for (Currency c : Currency.values()) {
            page.add(radio("currency", c.name(), c.name(), c == prefs.getCurrency()));
        }
        page.add("</fieldset><fieldset><legend>Theme</legend>");
        for (Theme t : Theme.values()) {
            String label = t.name().charAt(0) + t.name().substring(1).toLowerCase();
            page.add(radio("theme", t.name(), label, t == prefs.getTheme()));
        }
        page.add("</fieldset><button id=\"save-preferences\">Save</button></form>");
        page.write(resp);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Currency currency = Currency.parse(req.getParameter("currency"));
        Theme theme = Theme.parse(req.getParameter("theme"));
        HttpSession session = req.getSession();
        Preferences prefs = (Preferences) session.getAttribute(PREFS);
        if (prefs == null) {
            prefs = new Preferences();
            session.setAttribute(PREFS, prefs);
        }
        if (currency != null) {
            prefs.setCurrency(currency);
        }
        if (theme != null) {
            prefs.setTheme(theme);
        }
        seeOther(resp, req.getContextPath() + "/preferences?saved=1&by=" + URLEncoder.encode(shop().node(), StandardCharsets.UTF_8));
    }

    private static String radio(String name, String value, String label, boolean checked) {
        String id = name + "-" + value.toLowerCase();
        return "<label><input type=\"radio\" name=\"" + name + "\" id=\"" + id + "\" value=\"" + value + "\""
                + (checked ? " checked" : "") + "> " + label + "</label>";
    }
}
