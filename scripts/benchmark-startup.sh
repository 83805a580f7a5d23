#!/usr/bin/env bash
# Start-up benchmark: time from `java -jar` to a healthy lab, SparkSession creation time (measured
# inside the lab), and resident memory once idle. Prints one line per figure.
# Usage: scripts/benchmark-startup.sh [runs]   (builds the jar first if it is missing)
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-3}
port=${BENCH_PORT:-18080}
ui_port=${BENCH_UI_PORT:-18040}
idle_seconds=${BENCH_IDLE_SECONDS:-15}

jar=$(ls target/spark-break-lab-*.jar 2>/dev/null | grep -v original | head -n 1 || true)
if [ -z "$jar" ]; then
  ./mvnw -q -B -ntp -DskipTests package
  jar=$(ls target/spark-break-lab-*.jar | grep -v original | head -n 1)
fi

now_ms() { date +%s%3N; }

for i in $(seq 1 "$runs"); do
  data=$(mktemp -d)
  start=$(now_ms)
  java -jar "$jar" --server.port="$port" --lab.engine.ui-port="$ui_port" --lab.data-dir="$data" \
    >"$data/lab.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  ready=""
  for _ in $(seq 1 600); do
    if curl -fs "http://127.0.0.1:$port/actuator/health" 2>/dev/null | grep -q '"status":"UP"'; then
      ready=$(now_ms)
      break
    fi
    sleep 0.05
  done
  if [ -z "$ready" ]; then
    echo "run $i: the lab did not become healthy in 30 s; log:" >&2
    tail -n 40 "$data/lab.log" >&2
    exit 1
  fi
  session_ms=$(curl -fs "http://127.0.0.1:$port/api/engine" | sed -E 's/.*"sessionStartMs":([0-9-]+).*/\1/')
  sleep "$idle_seconds"
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  echo "run $i: ready in $((ready - start)) ms; SparkSession created in ${session_ms} ms; idle RSS after ${idle_seconds} s: $((rss_kb / 1024)) MB"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  trap - EXIT
  rm -rf "$data"
done
