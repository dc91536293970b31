#!/bin/sh
# Reproduces benchmarks/RESULTS.md, benchmarks/throughput.png and benchmarks/results-raw.csv.
#   benchmarks/run.sh            full run (about 27 minutes on 2 cores)
#   benchmarks/run.sh --quick    CI-sized smoke run (a few minutes; numbers not meaningful)
# Needs: JDK 17+, redis-server on the PATH (else the embedded one), wrk (apt-get install -y wrk).
set -e
cd "$(dirname "$0")/.."
QUICK=""
if [ "$1" = "--quick" ]; then QUICK="-Dquick"; fi
exec ./mvnw -B -pl benchmarks -am verify -Pbench -DskipTests $QUICK
