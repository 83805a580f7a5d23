#!/usr/bin/env bash
# Start-up benchmark: time from `java -jar` to the web server answering and to a healthy lab (Spark
# ready), the SparkSession creation time (measured inside the lab), and resident memory once idle.
# Prints one line per run.
# Usage: scripts/benchmark-startup.sh [runs]   (builds the jar first if it is missing)
#   BENCH_JAVA_OPTS="-Xmx1g"  JVM flags (default: the documented memory settings)
#   BENCH_EARLY_RUN=1         submit a run as soon as the web server answers (it waits for Spark)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
port=${BENCH_PORT:-18080}
ui_port=${BENCH_UI_PORT:-18040}
idle_seconds=${BENCH_IDLE_SECONDS:-15}
timeout_seconds=${BENCH_TIMEOUT_SECONDS:-180}
java_opts=${BENCH_JAVA_OPTS--Xmx1g}
early_run=${BENCH_EARLY_RUN:-0}

jar=$(ls target/spark-break-lab-*.jar 2>/dev/null | grep -v original | head -n 1 || true)
if [ -z "$jar" ]; then
  ./mvnw -q -B -ntp -DskipTests package
  jar=$(ls target/spark-break-lab-*.jar | grep -v original | head -n 1)
fi

now_ms() { date +%s%3N; }
# One top-level field of a JSON document on stdin (no jq needed).
json_field() { python3 -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print("" if v is None else v)' "$1"; }

echo "java $java_opts -jar $jar"
for i in $(seq 1 "$runs"); do
  data=$(mktemp -d)
  start=$(now_ms)
  # shellcheck disable=SC2086
  java $java_opts -jar "$jar" --server.port="$port" --lab.engine.ui-port="$ui_port" --lab.data-dir="$data" \
    >"$data/lab.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  web="" web_state="" ready="" run_id=""
  deadline=$((start + timeout_seconds * 1000))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if [ -z "$web" ] && engine=$(curl -fs "http://127.0.0.1:$port/api/engine" 2>/dev/null); then
      web=$(now_ms)
      web_state=$(json_field state <<<"$engine")
      if [ "$early_run" = 1 ]; then
        run_id=$(curl -fs -XPOST "http://127.0.0.1:$port/api/runs" -H 'content-type: application/json' \
          -d '{"experimentId":"aqe-coalesce","variant":"fixed","knobs":{"rows":10000}}' | json_field id)
      fi
    fi
    if curl -fs "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then
      ready=$(now_ms)
      break
    fi
    sleep 0.05
  done
  if [ -z "$ready" ]; then
    echo "run $i: the lab did not become healthy in $timeout_seconds s; log:" >&2
    tail -n 40 "$data/lab.log" >&2
    exit 1
  fi
  if [ -z "$web" ]; then
    # The web server answered for the first time with the lab already healthy (Spark was ready first).
    web=$ready
    web_state=running
  fi
  session_ms=$(curl -fs "http://127.0.0.1:$port/api/engine" | json_field sessionStartMs)
  early=""
  if [ -n "$run_id" ]; then
    for _ in $(seq 1 600); do
      status=$(curl -fs "http://127.0.0.1:$port/api/runs/$run_id" | json_field status)
      case "$status" in SUCCEEDED | FAILED | CANCELLED | TIMED_OUT) break ;; esac
      sleep 0.1
    done
    early="; run submitted at web-up (Spark ${web_state}) ended ${status}"
  fi
  sleep "$idle_seconds"
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  ratio=$(python3 -c "print(f'{($ready - $start) / $session_ms:.2f}')")
  echo "run $i: web up in $((web - start)) ms (Spark ${web_state}); ready in $((ready - start)) ms;" \
    "SparkSession created in ${session_ms} ms; ready / session = ${ratio}${early};" \
    "idle RSS after ${idle_seconds} s: $((rss_kb / 1024)) MB"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  trap - EXIT
  rm -rf "$data"
done
