package io.lanyard.testapp;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * An {@code <error-page>} that uses the session, as a JSP error page does by default: creates it
 * if needed and records the status code in attribute "errorPage".
 */
public class ErrorPageServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object code = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        req.getSession(true).setAttribute("errorPage", String.valueOf(code));
        resp.setContentType("text/plain;charset=UTF-8");
        resp.getWriter().print("error page " + code);
    }
}
