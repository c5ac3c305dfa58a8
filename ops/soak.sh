#!/usr/bin/env bash
# Soak test (not in CI): one executor at its bulkhead limit through the real path for a long time, sampling its heap
# (JVM gauges from /metrics) and RSS (/proc/PID/status) every few seconds, then a summary and `execq verify`.
#
#   ops/soak.sh                      10 minutes, process backend, --concurrency 8
#   SOAK_DURATION=3m ops/soak.sh     shorter
#
# Settings (environment): SOAK_DURATION (10m; s/m/h suffix), SOAK_INTERVAL (5 s), SOAK_CONCURRENCY (8: the bulkhead),
# SOAK_ISOLATION (PROCESS, or CONTAINER for the Docker backend), SOAK_DIR (where samples and logs go; default a new
# temp dir), EXECQ_HEAP (the executor's -Xmx, 256m as ops/bin/execq serve). Everything listens on 127.0.0.1 only.
# Exit status: 0 when the load saw only SUCCEEDED results and verify found nothing missing, duplicated or unexpected.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
execq="$root/ops/bin/execq"
jar="$root/executor-service/target/execq.jar"

seconds() {
  case "$1" in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
duration=$(seconds "${SOAK_DURATION:-10m}")
interval=$(seconds "${SOAK_INTERVAL:-5}")
concurrency="${SOAK_CONCURRENCY:-8}"
isolation="${SOAK_ISOLATION:-PROCESS}"
dir="${SOAK_DIR:-$(mktemp -d /tmp/execq-soak.XXXXXX)}"
mkdir -p "$dir"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kafka_port=$(free_port)
http_port=$(free_port)
bootstrap="127.0.0.1:$kafka_port"

"$execq" --version >/dev/null # builds the jar when the sources are newer

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

echo "soak: ${duration}s at --concurrency $concurrency ($isolation), samples every ${interval}s; files in $dir" >&2
EXECQ_LOG_DIR="$dir" "$execq" broker --port "$kafka_port" --data-dir "$dir/kafka" >"$dir/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 180); do
  grep -q "execq broker listening" "$dir/broker.log" 2>/dev/null && break
  sleep 1
done
grep -q "execq broker listening" "$dir/broker.log" || { echo "soak: broker did not start" >&2; exit 1; }
EXECQ_LOG_DIR="$dir" "$execq" serve --bootstrap-servers "$bootstrap" --embedded-kafka never \
  --concurrency "$concurrency" --http-port "$http_port" --group-id execq-soak --executor-id soak \
  >"$dir/executor.log" 2>&1 &
executor=$!
pids+=("$executor")
for _ in $(seq 1 180); do
  curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null || { echo "soak: executor not ready" >&2; exit 1; }

# Twice the bulkhead outstanding: every slot busy, the same again queued.
java -Xmx512m -cp "$jar" "$root/ops/soak/SoakLoad.java" "$bootstrap" "$duration" $((concurrency * 2)) "$isolation" \
  >"$dir/load.log" 2>&1 &
load=$!

metric() { # sum of every sample of $2 whose labels contain $3 in the scrape $1
  awk -v name="$2" -v labels="$3" '$0 !~ /^#/ && index($0, name) == 1 && (labels == "" || index($0, labels) > 0) {
    s += $NF } END { printf "%.0f", s }' "$1"
}
echo "seconds,heap_used_bytes,rss_kib,runs_in_flight,results_total" >"$dir/samples.csv"
started=$(date +%s)
load_before=$(cut -d' ' -f1 /proc/loadavg)
while kill -0 "$load" 2>/dev/null; do
  scrape="$dir/.scrape"
  if curl -fs "http://127.0.0.1:$http_port/metrics" -o "$scrape"; then
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$executor/status")
    printf '%s,%s,%s,%s,%s\n' $(( $(date +%s) - started )) "$(metric "$scrape" jvm_memory_used_bytes 'area="heap"')" \
      "$rss" "$(metric "$scrape" execq_runs_in_flight '')" "$(metric "$scrape" execq_results_total '')" \
      >>"$dir/samples.csv"
  fi
  sleep "$interval"
done
load_status=0
wait "$load" || load_status=$?
cat "$dir/load.log"

# start/end/min/max and the least-squares slope of heap and RSS; the heap's floor (lowest sample) in the first and
# last quarter shows growth that GC sawteeth hide.
awk -F, 'NR > 1 { n++; t[n] = $1; h[n] = $2 / 1048576; r[n] = $3 / 1024; f[n] = $4 }
  function stats(name, v,   i, min, max, st, sx, sy, sxx, sxy, slope) {
    min = max = v[1]
    for (i = 1; i <= n; i++) {
      if (v[i] < min) min = v[i]; if (v[i] > max) max = v[i]
      sx += t[i]; sy += v[i]; sxx += t[i] * t[i]; sxy += t[i] * v[i]
    }
    slope = (n * sxx - sx * sx) == 0 ? 0 : (n * sxy - sx * sy) / (n * sxx - sx * sx) * 60
    printf "%-5s MiB  start %7.1f  end %7.1f  min %7.1f  max %7.1f  slope %+7.2f MiB/min\n", name, v[1], v[n], min, max, slope
  }
  function floor(v, from, to,   i, min) { min = v[from]; for (i = from; i <= to; i++) if (v[i] < min) min = v[i]; return min }
  END {
    if (n < 4) { print "soak: fewer than 4 samples"; exit 1 }
    for (i = 1; i <= n; i++) { busy += f[i] }
    printf "samples %d over %d s; runs in flight: mean %.1f\n", n, t[n] - t[1], busy / n
    stats("heap", h); stats("rss", r)
    q = int(n / 4)
    printf "heap floor: first quarter %.1f MiB, last quarter %.1f MiB\n", floor(h, 1, q), floor(h, n - q + 1, n)
  }' "$dir/samples.csv" | tee "$dir/summary.txt"
echo "machine load (1-minute average): $load_before at the start, $(cut -d' ' -f1 /proc/loadavg) at the end ($(nproc) CPUs)" \
  | tee -a "$dir/summary.txt"

verify_status=0
"$execq" verify --bootstrap-servers "$bootstrap" --wait 60s | tee "$dir/verify.txt" | tail -n 1 || verify_status=$?
[ "$load_status" = 0 ] && [ "$verify_status" = 0 ]
