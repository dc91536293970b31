#!/usr/bin/env bash
# Lanyard demo: one Tomcat node and one Jetty node serve the sample shop, their sessions in Redis, behind a
# round-robin, non-sticky balancer. Builds what is missing, then prints the URL to open. Ctrl-C stops it.
#
#   ./demo.sh                   balancer on http://127.0.0.1:8080/shop/, embedded Redis
#   ./demo.sh --port 9090       another balancer port
#   LANYARD_REDIS_URI=redis://10.0.0.5:6379 ./demo.sh    use an existing Redis (REDIS_URL works too)
#   ./demo.sh --help            all options
set -euo pipefail
cd "$(dirname "$0")"

app=sample-webapp/target
war=$app/shop.war
classes=$app/demo-classes
classpath_file=$app/demo-classpath.txt
tomcat_adapter=$app/demo-lib/lanyard-tomcat.jar

built() {
  [[ -f $war && -f $classes/io/lanyard/demo/DemoLauncher.class && -f $classpath_file && -f $tomcat_adapter ]] || return 1
  local entry
  IFS=: read -r -a entries < "$classpath_file"
  for entry in "${entries[@]}"; do
    [[ -e $entry ]] || return 1
  done
}

java_version=$( (javac -version 2>&1 || true) | sed -nE 's/^javac ([0-9]+).*/\1/p' | head -1)
if [[ ! $java_version =~ ^[0-9]+$ ]] || (( java_version < 17 )); then
  echo "demo.sh: a JDK 17 or newer is needed (javac not found or older);" \
       "on Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y default-jdk-headless" >&2
  exit 1
fi

if ! built; then
  echo "demo.sh: building the shop, the adapters and the demo launcher (first run takes a minute)..."
  ./mvnw -B -q package -DskipTests -pl sample-webapp -am
  if ! built; then
    echo "demo.sh: the build did not produce $war and the demo launcher; see the output above." >&2
    exit 1
  fi
fi

# exec: Ctrl-C goes straight to the launcher, whose shutdown hook stops balancer, nodes and Redis in order.
exec java ${DEMO_JAVA_OPTS:-} -cp "$classes:$(cat "$classpath_file")" io.lanyard.demo.DemoLauncher \
  --war "$war" --tomcat-adapter "$tomcat_adapter" "$@"
