package io.lanyard.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes a JVM allocated during a JFR recording, from its {@code jdk.ThreadAllocationStatistics}
 * events (each thread's running total, sampled periodically): the sum over threads of the last
 * total minus the first. Used by {@code benchmarks/alloc.sh}, which starts the recording before
 * a timed load and stops it after, both while the server is idle.
 *
 * <p>Usage: {@code AllocationSum recording.jfr requests} prints bytes and bytes per request.
 */
public final class AllocationSum {
    private AllocationSum() {
    }

    public static void main(String[] args) throws IOException {
        long requests = Long.parseLong(args[1]);
        Map<Long, long[]> perThread = new HashMap<>(); // thread id -> {first, last}
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!e.getEventType().getName().equals("jdk.ThreadAllocationStatistics")) {
                continue;
            }
            long tid = e.getLong("thread.javaThreadId");
            long allocated = e.getLong("allocated");
            perThread.merge(tid, new long[] {allocated, allocated},
                    (old, now) -> new long[] {Math.min(old[0], now[0]), Math.max(old[1], now[1])});
        }
        long total = 0;
        for (long[] fl : perThread.values()) {
            total += fl[1] - fl[0];
        }
        System.out.printf("%d %d%n", total, requests == 0 ? 0 : total / requests);
    }
}
