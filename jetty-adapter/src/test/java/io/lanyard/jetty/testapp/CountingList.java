package io.lanyard.jetty.testapp;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;

/** A list that counts how often it is iterated: only encoding it (change detection) iterates it. */
public class CountingList extends ArrayList<String> {
    private static final long serialVersionUID = 1L;
    public static final AtomicInteger ITERATIONS = new AtomicInteger();

    @Override
    public Iterator<String> iterator() {
        ITERATIONS.incrementAndGet();
        return super.iterator();
    }
}
