package io.lanyard.bench.e2e;

/** The four request kinds, each one servlet path. */
public enum Workload {
    READ("read-only", "/shop/read", true),
    WRITE_ONE("one attribute changed", "/shop/write", true),
    CART_IN_PLACE("cart mutated in place", "/shop/cart", true),
    NEW_SESSION("new session per request", "/shop/login", false);

    private final String label;
    private final String path;
    private final boolean withSession;

    Workload(String label, String path, boolean withSession) {
        this.label = label;
        this.path = path;
        this.withSession = withSession;
    }

    public String label() {
        return label;
    }

    public String path() {
        return path;
    }

    public boolean withSession() {
        return withSession;
    }
}
