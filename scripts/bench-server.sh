#!/usr/bin/env bash
# Server benchmark (not part of the test command). Prints the figures that go
# into README.md's Performance section:
#   1. requests/s and p99 latency of a small data query (30 observations,
#      SDMX-CSV) with 64 concurrent connections, next to /health (the ceiling
#      of the HTTP stack on this machine), measured with wrk;
#   2. POST of the 2,000,000-observation benchmark file (benches/data_convert.rs
#      generates it into target/bench/) into the store: seconds, observations/s,
#      server peak RSS;
#   3. a 1,000,000-observation data query streamed to a client: seconds, server
#      RSS before and at its peak (a streaming server stays flat).
#
#   scripts/bench-server.sh [--duration SECONDS]
#
# Needs wrk (Debian package `wrk`; installed when missing) and curl. Uses a
# release build and a throw-away store under target/bench/server/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION=10
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    *) echo "usage: $0 [--duration SECONDS]" >&2; exit 2 ;;
    esac
done

if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk" >&2
    if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo -n); fi
    "${SUDO[@]}" apt-get install -y -q wrk >/dev/null 2>&1 ||
        { "${SUDO[@]}" apt-get update -q >/dev/null && "${SUDO[@]}" apt-get install -y -q wrk >/dev/null; }
fi

FLOW=DF_MNA_OEMP_SEX_CDS_NB
BIG_FLOW=DF_MFL_FEMP_SEX_ECO_NB
BIG=target/bench/ilms-2000000-ss21.xml
WORK=target/bench/server
TOKEN=bench-token

cargo build --release --quiet --bin sdmxgw
BIN=target/release/sdmxgw
if [ ! -f "$BIG" ]; then
    echo "generating $BIG (benches/data_convert.rs)" >&2
    cargo bench --bench data_convert -- --obs 2000000 --no-peer >&2
fi

rm -rf "$WORK"
mkdir -p "$WORK"
cat >"$WORK/gateway.toml" <<EOF
store = "$WORK/gateway.db"
body_limit = 1073741824
request_timeout_secs = 3600
max_observations = 5000000
[[providers]]
id = "BENCH"
token_sha256 = "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)"
ref_areas = ["*"]
dataflows = ["*"]
EOF

PID=
BASE=
start_server() {
    "$BIN" serve --bind 127.0.0.1:0 --config "$WORK/gateway.toml" >"$WORK/stdout" 2>"$WORK/stderr" &
    PID=$!
    for _ in $(seq 100); do
        if [ -s "$WORK/stdout" ]; then break; fi
        sleep 0.1
    done
    BASE="$(head -1 "$WORK/stdout" | sed 's/^listening on //')"
}
stop_server() {
    if [ -n "$PID" ]; then
        kill "$PID" 2>/dev/null || true
        wait "$PID" 2>/dev/null || true
        PID=
    fi
}
trap stop_server EXIT
calc() { awk "BEGIN { print $1 }"; }
rss_mb() { awk -v k="$2:" '$1 == k { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $machine"
echo

# --- 1. small query under 64 connections ------------------------------------
start_server
curl -sf -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" \
    --data-binary @samples/messages/phl-outflows-illustrative.csv "$BASE/data"
SMALL="/data/$FLOW/PHL.A..SEX_T.?format=csvfile"
rows=$(curl -sf "$BASE$SMALL" | tail -n +2 | wc -l)
wrk_run() {
    wrk -t2 -c64 -d"${DURATION}s" --latency "$BASE$1" >"$WORK/wrk.txt"
    local rps p99 non2xx
    rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$WORK/wrk.txt")
    p99=$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.txt")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$WORK/wrk.txt")
    printf '%-44s %10s req/s   p99 %8s%s\n' "$2" "$rps" "$p99" "${non2xx:+   non-2xx: $non2xx}"
}
echo "== 64 connections, ${DURATION}s each (wrk -t2 -c64)"
wrk_run "/health" "GET /health (ceiling)"
wrk_run "$SMALL" "GET small data query ($rows obs, SDMX-CSV)"
echo "server peak RSS: $(rss_mb "$PID" VmHWM) MB"
stop_server
echo

# --- 2. POST the 2,000,000-observation file -------------------------------------
start_server
size_mb=$(($(stat -c %s "$BIG") / 1000000))
t0=$(date +%s.%N)
code=$(curl -s -o "$WORK/receipt.xml" -w '%{http_code}' -X POST \
    -H "Authorization: Bearer $TOKEN" --data-binary @"$BIG" "$BASE/data")
t1=$(date +%s.%N)
if [ "$code" != 200 ]; then
    echo "POST failed with $code:" >&2
    head -c 2000 "$WORK/receipt.xml" >&2
    exit 1
fi
written=$(grep -o 'observationsWritten="[0-9]*"' "$WORK/receipt.xml" | grep -o '[0-9]*')
secs=$(calc "$t1 - $t0")
echo "== POST /data: $BIG ($size_mb MB)"
printf 'stored %s observations in %.1f s: %.0f obs/s; server peak RSS %s MB\n' \
    "$written" "$secs" "$(calc "$written / $secs")" "$(rss_mb "$PID" VmHWM)"
stop_server
echo

# --- 3. stream a 1,000,000-observation answer -----------------------------------
# 2,000,000 observations are 30 years per series; the last 15 of each series
# are 1,000,000 (and a few from the last, partial series).
start_server
before=$(rss_mb "$PID" VmRSS)
QUERY="/data/$BIG_FLOW/all?lastNObservations=15&format=csvfile"
peak_file="$WORK/rss.txt"
: >"$peak_file"
(while kill -0 "$PID" 2>/dev/null; do rss_mb "$PID" VmRSS >>"$peak_file"; echo >>"$peak_file"; sleep 0.1; done) &
SAMPLER=$!
t0=$(date +%s.%N)
curl -sf "$BASE$QUERY" -o "$WORK/big.csv"
t1=$(date +%s.%N)
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
obs=$(($(wc -l <"$WORK/big.csv") - 1))
secs=$(calc "$t1 - $t0")
max_sampled=$(sort -n "$peak_file" | tail -1)
echo "== GET $QUERY"
printf 'streamed %s observations (%s MB SDMX-CSV) in %.1f s: %.0f obs/s\n' \
    "$obs" "$(($(stat -c %s "$WORK/big.csv") / 1000000))" "$secs" "$(calc "$obs / $secs")"
printf 'server RSS: %s MB before, %s MB at most while streaming (sampled every 0.1 s), VmHWM %s MB\n' \
    "$before" "$max_sampled" "$(rss_mb "$PID" VmHWM)"
rm -f "$WORK/big.csv"
