package com.example.shop.web;

import com.example.shop.model.Catalogue;
import com.example.shop.model.Currency;
import com.example.shop.model.Product;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

import static com.example.shop.web.Html.esc;

/** The product list at the context root. */
public final class CatalogueServlet extends ShopServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String ctx = req.getContextPath();
        Page page = page(req, "Catalogue");
        Currency currency = prefs(req.getSession(false)).getCurrency();
        Catalogue.find(req.getParameter("added"))
                .ifPresent(p -> page.flash("Added " + p.name() + " to your cart", req.getParameter("by")));
        page.add("<h1>Catalogue</h1><p class=\"lead\">Reload any page and watch the node badge alternate: "
                + "your sign-in, preferences and cart come along.</p><div class=\"grid\">");
        for (Product p : Catalogue.all()) {
            page.add("<div class=\"card\" id=\"product-" + esc(p.sku()) + "\">"
                    + "<div class=\"tile\" style=\"background:" + p.colour() + "\">" + esc(p.sku().substring(0, 3)) + "</div>"
                    + "<h3>" + esc(p.name()) + "</h3><p>" + esc(p.description()) + "</p>"
                    + "<div class=\"buy\"><span class=\"price\">" + esc(currency.format(p.priceEur())) + "</span>"
                    + "<form method=\"post\" action=\"" + ctx + "/cart/add\">"
                    + "<input type=\"hidden\" name=\"sku\" value=\"" + esc(p.sku()) + "\">"
                    + "<input type=\"hidden\" name=\"quantity\" value=\"1\">"
                    + "<button class=\"add\">Add to cart</button></form></div></div>");
        }
        page.add("</div>").write(resp);
    }
}
