package io.lanyard.core;

import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Who a session belongs to, read from its attributes: the container's login when the adapter
 * named the attribute that holds it ({@link RedisSessionStore#serve}), else the
 * attribute named by {@code principalAttribute} (a {@code String}, or a {@link Principal} by its
 * name). An empty name is no principal.
 *
 * <p>The principal can only change when one of these attributes changes, so a save looks at it
 * only then ({@link #mayHaveChanged}): ordinary requests never decode them for this.
 */
final class Principals {
    private static final System.Logger LOG = System.getLogger(RedisSessionStore.class.getName());

    private final String principalAttribute;
    private volatile String loginAttribute;
    private volatile Function<Object, String> loginName;
    /** See {@link #sources()}: computed when the sources are set, since every writing save asks. */
    private volatile List<String> sources;

    Principals(LanyardSettings settings) {
        String name = settings.getPrincipalAttribute();
        this.principalAttribute = name == null || name.isEmpty() ? null : name;
        this.sources = sources(null, principalAttribute);
    }

    void containerLogin(String attribute, Function<Object, String> userName) {
        this.loginName = userName;
        this.loginAttribute = attribute;
        this.sources = sources(attribute, principalAttribute);
    }

    /** The attributes the principal is read from, container login first (unmodifiable). */
    List<String> sources() {
        return sources;
    }

    private static List<String> sources(String login, String principalAttribute) {
        List<String> names = new ArrayList<>(2);
        if (login != null) {
            names.add(login);
        }
        if (principalAttribute != null && !principalAttribute.equals(login)) {
            names.add(principalAttribute);
        }
        return List.copyOf(names);
    }

    /** The principal of {@code record} by its current attributes, or {@code null} when it has none. */
    String of(SessionRecord record) {
        String login = loginAttribute;
        if (login != null) {
            Object value = record.getAttribute(login);
            if (value != null) {
                String name = containerName(value);
                if (name != null) {
                    return name;
                }
            }
        }
        if (principalAttribute != null) {
            Object value = record.getAttribute(principalAttribute);
            if (value instanceof String s) {
                return nonEmpty(s);
            }
            if (value instanceof Principal p) {
                return nonEmpty(p.getName());
            }
        }
        return null;
    }

    /**
     * True when this save may change the principal: a new session, or one whose save writes or
     * removes an attribute the principal is read from.
     */
    boolean mayHaveChanged(SessionRecord record, Changes.Delta delta) {
        if (record.isNew()) {
            return loginAttribute != null || principalAttribute != null;
        }
        for (String name : sources()) {
            if (delta.changed().containsKey(name) || delta.removed().contains(name)) {
                return true;
            }
        }
        return false;
    }

    private String containerName(Object value) {
        try {
            return nonEmpty(loginName.apply(value));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Lanyard: cannot read the user of the container's login attribute "
                    + loginAttribute + ": " + e);
            return null;
        }
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
