package com.example.shop.web;

import io.lanyard.api.SessionControl;
import io.lanyard.api.SessionInfo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import static com.example.shop.web.Html.esc;

/**
 * The shop's calls into Lanyard's application API ({@link SessionControl}). Only this class uses
 * the API's types, and it is loaded only once {@link AccountSessionsServlet} found the API
 * published, so the shop runs on a container without Lanyard.
 */
final class LanyardSessions {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private LanyardSessions() {
    }

    /** The user's sessions as a table, one {@code tr.session-row} each, this one marked. */
    static String table(Object api, String user, String thisSession) {
        StringBuilder h = new StringBuilder("<table id=\"sessions\"><tr><th>Signed in since</th><th>Last used</th>"
                + "<th>Node</th><th></th></tr>");
        for (SessionInfo s : ((SessionControl) api).sessionsOf(user)) {
            boolean self = s.isSession(thisSession);
            h.append("<tr class=\"session-row\" data-this=\"").append(self).append("\"><td>").append(time(s.created()))
                    .append("</td><td>").append(time(s.lastAccessed())).append("</td><td>").append(esc(s.lastNode()))
                    .append("</td><td>").append(self ? "<b>this device</b>" : "").append("</td></tr>");
        }
        return h.append("</table>").toString();
    }

    static int signOutOthers(Object api, String user, String thisSession) {
        return ((SessionControl) api).signOutOthers(user, thisSession);
    }

    private static String time(Instant t) {
        return TIME.format(t);
    }
}
