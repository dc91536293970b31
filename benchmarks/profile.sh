#!/bin/bash
# Where a request's CPU goes, Lanyard against the floor of the same container: each configuration's
# server under the end-to-end load, warmed, then async-profiler (itimer, 1 ms) attached for the timed
# window only. Prints server and Redis CPU per request and the server's CPU split by where it was
# spent; keeps the collapsed stacks (flame-graph input) in benchmarks/target/profile/.
#   benchmarks/profile.sh [WORKLOAD] [CONFIG...]
#     WORKLOAD: read (default), write or cart; CONFIG: default TOMCAT_LANYARD TOMCAT_FLOOR
#     (JETTY_LANYARD JETTY_FLOOR for Jetty). WARM=25 SECS=20 (seconds) set the phases.
# Needs bash 4.4+, a JDK 17+ with jcmd and jar, redis-server and redis-cli, wrk and curl on the PATH.
# Builds this tree offline (run ./mvnw -B install once first) and takes async-profiler 4.0 (Linux
# x64) from Maven Central through the wrapper. A few minutes; one run per configuration, so compare
# configurations of the same invocation on an otherwise idle machine.
set -euo pipefail
shopt -s inherit_errexit
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKLOAD=${1:-read}
shift || true
CONFIGS=("$@")
[ ${#CONFIGS[@]} -gt 0 ] || CONFIGS=(TOMCAT_LANYARD TOMCAT_FLOOR)
WARM=${WARM:-25}; SECS=${SECS:-20}
WORK=$(mktemp -d /tmp/lanyard-profile.XXXXXX)
. "$ROOT/benchmarks/lib.sh"
trap 'stop_server; rm -rf "$WORK"' EXIT
need_tools jcmd jar redis-server redis-cli wrk curl
case $WORKLOAD in read|write|cart) ;; *) fail "workload must be read, write or cart, not $WORKLOAD" ;; esac
[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || fail "async-profiler is taken for Linux x86-64 only"

OUT="$ROOT/benchmarks/target/profile"
mkdir -p "$OUT"
if ! (cd "$ROOT" && ./mvnw -B -o package dependency:build-classpath -DskipTests -Dmdep.outputFile="$WORK/cp.txt" \
    -pl benchmarks -am > "$WORK/build.log" 2>&1); then
  tail -30 "$WORK/build.log" >&2
  fail "the tree did not build offline; run ./mvnw -B install once"
fi
CP="$(cat "$WORK/cp.txt"):$ROOT/benchmarks/target/classes"
if ! (cd "$ROOT" && ./mvnw -B -q dependency:copy -Dartifact=tools.profiler:async-profiler:4.0:jar:linux-x64 \
    -DoutputDirectory="$WORK" > "$WORK/profiler.log" 2>&1); then
  tail -20 "$WORK/profiler.log" >&2
  fail "could not fetch tools.profiler:async-profiler:4.0:jar:linux-x64"
fi
(cd "$WORK" && jar xf async-profiler-4.0-linux-x64.jar linux-x64/libasyncProfiler.so)
AGENT="$WORK/linux-x64/libasyncProfiler.so"
[ -f "$AGENT" ] || fail "no libasyncProfiler.so in the async-profiler jar"
HZ=$(getconf CLK_TCK)

# Each sample goes to the code that was running: the innermost frame of Lanyard, of the benchmark
# servlet (and the floor's filter) or of the container, skipping the JDK, Jedis and the pool below it.
# Jedis and socket time counts as "<owner>-redis" (the round trip of Lanyard or of the floor);
# container code that Lanyard calls counts as container, as in the floor.

# profile CONFIG: one server, warmed, profiled over the timed window; prints its summary.
profile() {
  local cfg=$1 t0 r0 t1 r1 result n rpid stacks
  start_server "$CP" "$cfg"
  rpid=$(cat "$WORK/redis.pid")
  load "$WORKLOAD" "$WARM" >/dev/null
  stacks="$OUT/$cfg-$WORKLOAD.collapsed"
  jcmd "$SPID" JVMTI.agent_load "$AGENT" "\"start,event=itimer,interval=1ms\"" >/dev/null
  t0=$(cpu_ticks "$SPID"); r0=$(cpu_ticks "$rpid")
  result=$(load "$WORKLOAD" "$SECS")
  t1=$(cpu_ticks "$SPID"); r1=$(cpu_ticks "$rpid")
  jcmd "$SPID" JVMTI.agent_load "$AGENT" "\"stop,collapsed,file=$stacks\"" >/dev/null
  stop_server
  [ -s "$stacks" ] || fail "$cfg: the profiler wrote no stacks (see $WORK/server.log)"
  n=$(echo "$result" | awk '{print $2}')
  awk -v n="$n" -v secs="$SECS" -v hz="$HZ" -v cfg="$cfg" -v server=$((t1 - t0)) -v redis=$((r1 - r0)) '
    function owner(stack,    f, k, i, jedis) {
      if (stack ~ /CompileBroker/) return "jit"
      if (stack ~ /G1|GCTaskThread|ConcurrentGCThread/) return "gc"
      k = split(stack, f, ";")
      for (i = k; i >= 1; i--) {
        if (f[i] ~ /^redis\/clients\//) jedis = 1
        else if (f[i] ~ /^io\/lanyard\/(core|tomcat|jetty)\//) return jedis ? "lanyard-redis" : "lanyard"
        else if (f[i] ~ /^io\/lanyard\/bench\//) return jedis ? "floor-redis" : "servlet"
        else if (f[i] ~ /^org\/(apache\/(catalina|coyote|tomcat)|eclipse\/jetty)\//) return "container"
      }
      return "other"
    }
    {
      c = $NF; stack = $0; sub(/ [0-9]+$/, "", stack); total += c; by[owner(stack)] += c
    }
    END {
      us = server / hz * 1e6 / n
      printf "%s %s: %d requests in %d s (%.0f/s); CPU per request: server %.1f µs, Redis %.1f µs\n", cfg, ENVIRON["WORKLOAD"], n, secs, n / secs, us, redis / hz * 1e6 / n
      split("lanyard lanyard-redis floor-redis servlet container jit gc other", order, " ")
      for (i = 1; i <= 8; i++) if (by[order[i]] > 0) printf "  %-14s %6.2f µs  %5.1f%%\n", order[i], us * by[order[i]] / total, 100 * by[order[i]] / total
    }' "$stacks"
}

export WORKLOAD
echo "profile.sh: $WORKLOAD, ${WARM} s warm-up, ${SECS} s profiled; stacks in $OUT"
for cfg in "${CONFIGS[@]}"; do
  profile "$cfg"
done
