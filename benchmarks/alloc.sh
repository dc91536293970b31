#!/bin/bash
# Bytes the server JVM allocates per request: a base commit (default: the first release) against this
# tree, on the same machine, with the same load and JVM options. Writes benchmarks/ALLOCATION.md.
#   benchmarks/alloc.sh [BASE]     BASE: the commit to compare with (default: 63ff3a4, the first release)
# Needs bash 4.4+, git, a JDK 17+ with jcmd, redis-server and redis-cli, wrk and curl on the PATH, and
# both trees' Maven artifacts in ~/.m2 (it builds them offline: run ./mvnw -B install once first, and
# for BASE the build must have run once at that commit). About 15 minutes. Allocation does not depend
# on the machine's load the way throughput does, so each figure is one JFR-measured run per cell.
set -euo pipefail
shopt -s inherit_errexit
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=${1:-63ff3a4}
BASE_LABEL=$([ "$BASE" = 63ff3a4 ] && echo "the first release" || echo "base")
WARM=${WARM:-12}; SECS=${SECS:-15}
# The floor's GET reads a value as large as Lanyard's hash of the shop session (RESULTS.md: 1,829 bytes).
FLOOR_BYTES=1829
WORK=$(mktemp -d /tmp/lanyard-alloc.XXXXXX)
SPID=""; RPORT=""
cleanup() {
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
  [ -n "$RPORT" ] && redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  git -C "$ROOT" worktree remove --force "$WORK/base" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "alloc.sh: $*" >&2; exit 1; }
for tool in git jcmd redis-server redis-cli wrk curl; do
  command -v "$tool" >/dev/null || fail "$tool is not on the PATH"
done
SCRIPT="$ROOT/benchmarks/src/main/resources/io/lanyard/bench/wrk-sessions.lua"

classpath() { # $1 tree, $2 name -> its benchmarks class path (built, not installed: ~/.m2 stays as it is)
  if ! (cd "$1" && ./mvnw -B -o package dependency:build-classpath -DskipTests -Dmdep.outputFile="$WORK/cp-$2.txt" \
      -pl benchmarks -am > "$WORK/build-$2.log" 2>&1); then
    tail -30 "$WORK/build-$2.log" >&2
    fail "the $2 tree ($1) did not build offline; see above"
  fi
  echo "$(cat "$WORK/cp-$2.txt"):$1/benchmarks/target/classes"
}
git -C "$ROOT" worktree add --detach "$WORK/base" "$BASE" >/dev/null 2>&1 || fail "no commit $BASE"
BASE_CP=$(classpath "$WORK/base" base)
HEAD_CP=$(classpath "$ROOT" head)
HEAD_REV=$(git -C "$ROOT" rev-parse --short HEAD)$( [ -z "$(git -C "$ROOT" status --porcelain -- session-core tomcat-adapter jetty-adapter benchmarks/src)" ] || echo "+changes")
BASE_REV=$(git -C "$ROOT" rev-parse --short "$BASE")

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  fail "no free port"
}

# run CP CONFIG: prints "workload bytes/request" per workload
run() {
  local cp=$1 cfg=$2 hport n result
  RPORT=$(free_port); hport=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$WORK/redis.pid" >/dev/null
  for _ in $(seq 1 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$RPORT" set lanyard-bench:floor "$(head -c "$FLOOR_BYTES" /dev/zero | tr '\0' x)" >/dev/null
  java -Xms1g -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true -cp "$cp" io.lanyard.bench.e2e.ServerMain "$cfg" "$hport" \
    "redis://127.0.0.1:$RPORT" "$WORK/server-$cfg" > "$WORK/server.log" 2>&1 &
  SPID=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$hport/shop/ping" && break; sleep 0.3; done
  curl -s -o /dev/null "http://127.0.0.1:$hport/shop/ping" || { tail -20 "$WORK/server.log" >&2; fail "$cfg did not start"; }
  : > "$WORK/cookies"
  for _ in $(seq 1 200); do
    curl -s -D - -o /dev/null "http://127.0.0.1:$hport/shop/login" | grep -i '^set-cookie' | head -1 |
      sed 's/^[Ss]et-[Cc]ookie: *//; s/;.*//' >> "$WORK/cookies" || true
  done
  [ "$(wc -l < "$WORK/cookies")" -eq 200 ] || fail "$cfg: could not create 200 sessions"
  for w in read write cart; do
    wrk -t1 -c16 -d"${WARM}s" -s "$SCRIPT" "http://127.0.0.1:$hport/shop/$w" -- "/shop/$w" "$WORK/cookies" >/dev/null
  done
  for w in read write cart; do
    jcmd "$SPID" JFR.start name=alloc settings="$ROOT/benchmarks/alloc.jfc" >/dev/null
    sleep 2.5 # a sample of every thread's total while idle, before the load
    result=$(wrk -t1 -c16 -d"${SECS}s" -s "$SCRIPT" "http://127.0.0.1:$hport/shop/$w" -- "/shop/$w" "$WORK/cookies" | grep '^RESULT' || true)
    sleep 2.5 # and after it
    jcmd "$SPID" JFR.stop name=alloc filename="$WORK/alloc.jfr" >/dev/null
    # RESULT requests duration p50 p99 connect read write status timeout: no errors of any kind
    echo "$result" | awk '{ exit !($2 > 0 && $6 + $7 + $8 + $9 + $10 == 0) }' || fail "$cfg $w: wrk reported errors: $result"
    n=$(echo "$result" | awk '{print $2}')
    echo "$w $(java -cp "$HEAD_CP" io.lanyard.bench.AllocationSum "$WORK/alloc.jfr" "$n" | awk '{print $2}')"
  done
  kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""
  redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true; RPORT=""
}

declare -A R
measure() { # side cp config
  run "$2" "$3" > "$WORK/run.txt"
  while read -r w b; do R[$1.$3.$w]=$b; echo "$1 $3 $w $b bytes/request" >&2; done < "$WORK/run.txt"
}
for cfg in TOMCAT_LANYARD JETTY_LANYARD; do
  measure base "$BASE_CP" $cfg
  measure head "$HEAD_CP" $cfg
done
for cfg in TOMCAT_FLOOR JETTY_FLOOR; do
  measure head "$HEAD_CP" $cfg
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
OUT="$WORK/ALLOCATION.md"
{
  echo "# Bytes allocated per request (server JVM)"
  echo
  echo "Generated by \`benchmarks/alloc.sh\` on $(date -u +%Y-%m-%dT%H:%MZ) — do not edit by hand."
  echo "Base: \`$BASE_REV\` ($BASE_LABEL); now: \`$HEAD_REV\`. Java: $(java -version 2>&1 | head -1)."
  echo
  echo "The benchmark servlet (\`ShopServlet\`, the shop session of RESULTS.md, 200 sessions round-robin,"
  echo "\`wrk -t1 -c16\`) on each tree's own embedded server; every workload warmed ${WARM} s, then measured"
  echo "${SECS} s inside a JFR recording of \`jdk.ThreadAllocationStatistics\` (every thread's running total,"
  echo "sampled each second while the server is idle before and after): bytes allocated by all threads"
  echo "divided by requests served. The floor (the container's own in-memory sessions plus Jedis \`GET\`s"
  echo "of a ${FLOOR_BYTES}-byte value, one per read-only request and two per writing request) is this tree's,"
  echo "for scale. Each tree runs its own benchmark servlet and shop session: the first release's sign-in"
  echo "token has 180 characters, this tree's 264 (issue 11's session), so the first release handled a"
  echo "slightly smaller session."
  echo
  echo "| configuration | workload | $BASE_LABEL | now | now / $BASE_LABEL | floor | now / floor |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  for cfg in TOMCAT_LANYARD JETTY_LANYARD; do
    fl=${cfg%_LANYARD}_FLOOR
    for w in read write cart; do
      b=${R[base.$cfg.$w]}; h=${R[head.$cfg.$w]}; f=${R[head.$fl.$w]}
      echo "| $cfg | $w | $b | $h | $(ratio "$h" "$b") | $f | $(ratio "$h" "$f") |"
    done
  done
} > "$OUT"
mv "$OUT" "$ROOT/benchmarks/ALLOCATION.md"
cat "$ROOT/benchmarks/ALLOCATION.md"
