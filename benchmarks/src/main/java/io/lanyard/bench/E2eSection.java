package io.lanyard.bench;

import io.lanyard.bench.e2e.Configuration;
import io.lanyard.bench.e2e.E2e;
import io.lanyard.bench.e2e.RawRedis;
import io.lanyard.bench.e2e.Workload;

import java.util.ArrayList;
import java.util.List;

import static io.lanyard.bench.Markdown.fmt1;
import static io.lanyard.bench.Markdown.num;
import static io.lanyard.bench.Markdown.workloadHeader;

/** The "End to end" section of RESULTS.md: throughput, ratios to the floors and peers, latency, commands, bytes, CPU, writes. */
final class E2eSection {
    private E2eSection() {
    }

    static void write(Markdown md, Report.Input in, Measured m) {
        E2e.Results r = in.e2e();
        if (r == null) {
            return;
        }
        Params pa = in.params();
        md.p("## End to end");
        md.p("");
        md.p("Same servlet (`ShopServlet`: `/shop/read` reads token, preferences, cart; `/shop/write` also sets the timestamp; "
                + "`/shop/cart` bumps a cart line in place without `setAttribute`; `/shop/login` creates a session with the four "
                + "attributes) on every configuration. Load: `wrk -t1 -c" + pa.connections() + "`, " + fmt1(pa.cellSeconds())
                + " s per cell" + (pa.cellWarmupSeconds() > 0 ? " after " + fmt1(pa.cellWarmupSeconds()) + " s of the same workload unmeasured" : "")
                + "; each fresh server first gets unmeasured warm-up of every workload, one-second runs until two in a row agree within 5% (at least "
                + fmt1(pa.warmupSeconds()) + " s, at most " + pa.warmupMaxSeconds() + " s per workload: a fresh JVM is still compiling; the "
                + "new-session workload 1 s, since new sessions pile up in the in-memory stores' heaps); keep-alive, "
                + pa.sessions() + " sessions used round-robin; " + pa.rounds() + " rounds. Every Tomcat configuration runs embedded Tomcat "
                + "10.1 with `maxKeepAliveRequests=-1` (Jetty's behaviour); server JVMs: `" + String.join(" ", io.lanyard.bench.e2e.ServerProcess.JVM_OPTIONS_PUBLIC) + "`.");
        md.p("");
        md.p("### Throughput (requests/s, median (min–max) over rounds)");
        md.p("");
        md.table(r, (c, w) -> m.stats(c, w, cell -> cell.wrk().throughput()).format(0));
        md.p("### Throughput as a ratio to the floor of the same container (same round)");
        md.p("");
        md.p("Floor = the container's own in-memory sessions plus pooled Jedis `GET`s of a value as large as the shop session ("
                + (r.raw().isEmpty() ? "?" : r.raw().get(0).sessionBytes()) + " bytes, the size of Lanyard's hash): one per read-only "
                + "request, two per writing request (a consistent store must load, then save).");
        md.p("");
        md.table(r, (c, w) -> m.ratio(c, c.floor(), w).format(2));
        md.p("### Lanyard against the peers (throughput ratio, same round)");
        md.p("");
        md.p("| Lanyard configuration | against | " + workloadHeader() + " |");
        md.p("| --- | --- |" + " --- |".repeat(Workload.values().length));
        for (Configuration l : List.of(Configuration.TOMCAT_LANYARD, Configuration.JETTY_LANYARD)) {
            if (!m.tput().containsKey(l)) {
                continue;
            }
            for (Configuration o : List.of(Configuration.TOMCAT_FLOOR, Configuration.JETTY_FLOOR, Configuration.TOMCAT_MEMORY, Configuration.JETTY_MEMORY,
                    Configuration.TOMCAT_REDISSON_DEFAULT, Configuration.TOMCAT_REDISSON_AFTER_REQUEST, Configuration.TOMCAT_SPRING_SESSION)) {
                if (!m.tput().containsKey(o)) {
                    continue;
                }
                StringBuilder row = new StringBuilder("| " + l.label() + " | " + o.label() + " |");
                for (Workload w : Workload.values()) {
                    row.append(' ').append(m.ratio(l, o, w).format(2)).append(" |");
                }
                md.p(row.toString());
            }
            StringBuilder row = new StringBuilder("| " + l.label() + " | raw Redis PING rate (physical floor) |");
            for (Workload w : Workload.values()) {
                row.append(' ').append(m.ratioToRaw(l, w, RawRedis.Result::pingPerSecond).format(2)).append(" |");
            }
            md.p(row.toString());
        }
        md.p("");
        md.p("### Latency (wrk, microseconds: p50 / p99, median over rounds)");
        md.p("");
        md.table(r, (c, w) -> m.stats(c, w, cell -> cell.wrk().p50Micros()).format(0) + " / " + num(m.stats(c, w, cell -> cell.wrk().p99Micros()).median(), 0));
        md.p("### p50 latency as a ratio to the floor (same round; lower is better)");
        md.p("");
        md.table(r, (c, w) -> m.ratio(c, c.floor(), w, cell -> cell.wrk().p50Micros()).format(2));
        md.p("### Redis commands sent per request (MONITOR, script-internal lines ignored)");
        md.p("");
        md.p("Counted in a separate phase (" + pa.monitorRequests() + " sequential requests per workload on distinct sessions, after one "
                + "unmeasured request), never during a timed run. Background commands of the store during the window "
                + "(scavenger, pings) are included.");
        md.p("");
        md.p("| configuration | " + workloadHeader() + " |");
        md.p("| --- |" + " --- |".repeat(Workload.values().length));
        for (Configuration c : r.configs()) {
            if (!c.usesRedis()) {
                continue;
            }
            StringBuilder row = new StringBuilder("| " + c.label() + " |");
            for (Workload w : Workload.values()) {
                Measured.Count k = m.count(c, w);
                row.append(' ').append(k == null ? "n/a" : "**" + num(k.value(), 2) + "** (" + k.breakdown() + ")").append(" |");
            }
            md.p(row.toString());
        }
        md.p("");
        md.p("### Bytes sent to Redis per request (INFO `total_net_input_bytes` delta / requests, median over rounds)");
        md.p("");
        md.p("Bytes received from Redis per request in brackets (`total_net_output_bytes`).");
        md.p("");
        md.table(r, (c, w) -> {
            if (!c.usesRedis()) {
                return "—";
            }
            return num(m.stats(c, w, E2e.Cell::bytesToRedisPerRequest).median(), 0) + " (" + num(m.stats(c, w, E2e.Cell::bytesFromRedisPerRequest).median(), 0) + ")";
        });
        md.p("### CPU time per request: server JVM / Redis (microseconds, median over rounds)");
        md.p("");
        md.p("User+system CPU of the server process and of redis-server during the timed run (`/proc/<pid>/stat`, 10 ms ticks) "
                + "divided by the requests served. On 2 shared cores this, not the network, is what bounds throughput; "
                + "wrk's own CPU is not included.");
        md.p("");
        md.table(r, (c, w) -> num(m.stats(c, w, E2e.Cell::serverCpuMicrosPerRequest).median(), 0) + " / "
                + (c.usesRedis() ? num(m.stats(c, w, E2e.Cell::redisCpuMicrosPerRequest).median(), 0) : "—"));
        md.p("Server CPU per request as a ratio to the floor's (same round):");
        md.p("");
        md.table(r, (c, w) -> m.ratio(c, c.floor(), w, E2e.Cell::serverCpuMicrosPerRequest).format(2));
        md.p("### Redis writes per request (Redis's own change counter, `rdb_changes_since_last_save` delta / requests, median over rounds)");
        md.p("");
        md.p("Key modifications Redis counted during the timed run (an HSET of n fields counts n). A read-only Lanyard request "
                + "writes only when its session's touch is due (at most once per `touchIntervalSeconds`, by default 60 s for a 30-minute "
                + "timeout; a cell lasts " + fmt1(pa.cellSeconds()) + " s).");
        md.p("");
        md.table(r, (c, w) -> c.usesRedis() ? num(m.stats(c, w, E2e.Cell::redisWritesPerRequest).median(), 3) : "—");
        md.p("### Is an in-place cart mutation persisted?");
        md.p("");
        md.p("Two sequential `/shop/cart` requests on one session: persisted when the second sees the first's increment "
                + "(every store here re-reads the session from Redis per request).");
        md.p("");
        md.p("| configuration | persisted |");
        md.p("| --- | --- |");
        r.mutationPersisted().forEach((c, ok) -> md.p("| " + c.label() + " | " + (ok ? "yes" : "**no** (the change is lost)") + " |"));
        md.p("");
        md.p("### Raw Redis round trips (the physical floor), per round");
        md.p("");
        md.p("Pooled Jedis in the benchmark JVM, " + pa.connections() + " threads, no servlet container; `EVALSHA_RO load.lua` runs Lanyard's "
                + "load script on a realistic shop session (the whole Redis work of a read-only Lanyard request whose touch is not due).");
        md.p("");
        md.p("| round | PING/s | EVALSHA_RO load.lua /s |");
        md.p("| --- | --- | --- |");
        for (RawRedis.Result x : r.raw()) {
            md.p("| " + x.round() + " | " + num(x.pingPerSecond(), 0) + " | " + num(x.evalPerSecond(), 0) + " |");
        }
        List<Double> ping = new ArrayList<>();
        List<Double> eval = new ArrayList<>();
        r.raw().forEach(x -> {
            ping.add(x.pingPerSecond());
            eval.add(x.evalPerSecond());
        });
        md.p("| median (min–max) | " + Stats.of(ping).format(0) + " | " + Stats.of(eval).format(0) + " |");
        md.p("");
        if (!r.notMeasured().isEmpty()) {
            md.p("### Not measured");
            md.p("");
            r.notMeasured().forEach((c, why) -> md.p("- " + c.label() + ": " + why));
            md.p("");
        }
    }
}
