package io.lanyard.testapp;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * A bean an application may keep in its session whose field's element class ({@link URI}, final,
 * not in the built-in safe set) the application forgot to allow: Lanyard cannot store it.
 */
public class Bookmarks {
    public List<URI> links = new ArrayList<>();
}
