package io.lanyard.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A container's login kept in a session as plain strings, {@code [authType, name, role...]}
 * ({@code authType} empty when there is none), under a reserved attribute: it survives a node
 * switch without storing container classes (Tomcat's {@code GenericPrincipal}) in Redis.
 */
final class StoredLogin {
    private StoredLogin() {
    }

    /** See {@link SessionRecord#setLogin}. */
    static void set(SessionRecord r, String attribute, String authType, String name, Collection<String> roles) {
        if (name == null) {
            r.removeAttribute(attribute);
            return;
        }
        List<String> values = new ArrayList<>();
        values.add(authType == null ? "" : authType);
        values.add(name);
        values.addAll(roles);
        r.setAttribute(attribute, List.copyOf(values));
    }

    /** See {@link SessionRecord#login}. */
    @SuppressWarnings("unchecked")
    static List<String> get(SessionRecord r, String attribute) {
        return r.getAttribute(attribute) instanceof List<?> list && list.size() >= 2 ? (List<String>) list : null;
    }

    /** See {@link SessionRecord#loginName}. */
    static String name(Object value) {
        return value instanceof List<?> values && values.size() >= 2 ? String.valueOf(values.get(1)) : null;
    }
}
