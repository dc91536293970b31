# Shared by benchmarks/alloc.sh and benchmarks/profile.sh (sourced, not run): one benchmark server
# (io.lanyard.bench.e2e.ServerMain) on its own Redis, with the 200 sessions of the end-to-end run.
# The caller sets ROOT (the repository) and WORK (a scratch directory it removes), and calls
# stop_server from its EXIT trap.

SPID=""; RPORT=""; HPORT=""
SCRIPT="$ROOT/benchmarks/src/main/resources/io/lanyard/bench/wrk-sessions.lua"
# The floor's GET reads a value as large as Lanyard's hash of the shop session (RESULTS.md: 1,829 bytes).
FLOOR_BYTES=1829

fail() { echo "$(basename "$0"): $*" >&2; exit 1; }

need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "$tool is not on the PATH"
  done
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    (echo > "/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  fail "no free port"
}

# start_server CP CONFIG: Redis on a free port (with the floor's value), the server on another, 200
# sessions in $WORK/cookies. Sets RPORT, HPORT and SPID.
start_server() {
  local cp=$1 cfg=$2
  RPORT=$(free_port); HPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --pidfile "$WORK/redis.pid" >/dev/null
  for _ in $(seq 1 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$RPORT" set lanyard-bench:floor "$(head -c "$FLOOR_BYTES" /dev/zero | tr '\0' x)" >/dev/null
  java -Xms1g -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true -cp "$cp" io.lanyard.bench.e2e.ServerMain "$cfg" "$HPORT" \
    "redis://127.0.0.1:$RPORT" "$WORK/server-$cfg" > "$WORK/server.log" 2>&1 &
  SPID=$!
  for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$HPORT/shop/ping" && break; sleep 0.3; done
  curl -s -o /dev/null "http://127.0.0.1:$HPORT/shop/ping" || { tail -20 "$WORK/server.log" >&2; fail "$cfg did not start"; }
  : > "$WORK/cookies"
  for _ in $(seq 1 200); do
    curl -s -D - -o /dev/null "http://127.0.0.1:$HPORT/shop/login" | grep -i '^set-cookie' | head -1 |
      sed 's/^[Ss]et-[Cc]ookie: *//; s/;.*//' >> "$WORK/cookies" || true
  done
  [ "$(wc -l < "$WORK/cookies")" -eq 200 ] || fail "$cfg: could not create 200 sessions"
}

# load WORKLOAD SECONDS: wrk as in the end-to-end run; prints its RESULT line and fails on any error.
# RESULT requests duration p50 p99 connect read write status timeout
load() {
  local result
  result=$(wrk -t1 -c16 -d"$2s" -s "$SCRIPT" "http://127.0.0.1:$HPORT/shop/$1" -- "/shop/$1" "$WORK/cookies" | grep '^RESULT' || true)
  echo "$result" | awk '{ exit !($2 > 0 && $6 + $7 + $8 + $9 + $10 == 0) }' || fail "$1: wrk reported errors: $result"
  echo "$result"
}

# cpu_ticks PID: user + system CPU of the process so far, in clock ticks (10 ms).
cpu_ticks() {
  awk '{print $14 + $15}' "/proc/$1/stat"
}

stop_server() {
  [ -n "$SPID" ] && { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; } || true
  [ -n "$RPORT" ] && redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
  SPID=""; RPORT=""
}
