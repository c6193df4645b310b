#!/usr/bin/env bash
# Does `satcar bench` measure what Apache Bench measures? Both tools against the same bare Kestrel endpoint
# (Satcar.BenchTargets) with the same -n/-c/-k, in interleaved rounds. The report gives medians over rounds per tool
# and mode, satcar's ratio to ab within each round, and whether the means agree within 10%, next to an ab-against-ab
# control that shows how far two runs of the same tool drift apart on this machine, and the machine facts.
#
#   bench/ab-agreement.sh [ROUNDS] [REQUESTS]        (defaults: 20 rounds, 10000 requests)
#   MODES="ping-k1" PLACEMENTS="shared" bench/ab-agreement.sh 30      (a closer look at some modes and placements)
#
# Modes: ping-k1 (GET /ping, -k -c 1), ping-k4 (-k -c 4), echo-k1 (POST 1 KiB to /echo, -k -c 1; the target answers
# with Content-Length so that ab's HTTP/1.0 keep-alive holds), healthz-c1 (GET /healthz, a new connection per request,
# the seed's own ab command; REQUESTS/2 requests). The load averages before and after the run go into the report:
# client and server share the machine's cores, so anything else running moves the figures.
#
# Triples: each round takes the modes in a shuffled order and runs, for each, ab, satcar and ab once more (the control)
# back to back, in a shuffled order. Ratios are taken within the round: satcar's mean over the mean of the two ab runs,
# and one ab run over the other (the control), so that the drift of a shared VM over the minutes of a script run does
# not enter the comparison; the verdict is the median of satcar's per-round ratios. Many short rounds rather than a few
# long ones: a run's mean depends on the state the machine is in for that run (seen here in one script run: ab at
# ping-k1 shared anywhere between 0.051 and 0.116 ms; ab at ping-k4 pinned at 0.13, 0.18 or 0.22 ms in consecutive
# rounds), so the spread is between runs. With 9 rounds of 20000 requests echo-k1 shared came out at 1.14x; with 20 of
# 10000, at 1.04x and 1.01x; a hand run of 25 triples of that mode alone, at 1.03x with ab against itself at 1.00x.
#
# Every mode runs in three placements (performance.md §6.1: "optionally pin the generator … report both if they
# differ"; label suffix in the report after the mode): shared, where generator and server float over all cores; pinned
# ("/pinned"), where the generator runs on CPU 0 and the server's threads on the other CPUs; and one-cpu ("/one-cpu"),
# where generator and server both run on CPU 0. Pinned and one-cpu fix the two ways the scheduler can place a
# one-at-a-time exchange: across two CPUs (every hand-over wakes the other CPU) or on one (no cross-CPU wake-up, but
# client and server take turns on it). Shared leaves that choice to the scheduler, which makes it differently from run
# to run: at GET -k -c 1 a run's median is near the one-cpu figure, near the pinned one, or a mix (0.04 or 0.085 ms
# here), for either tool. On a 2-core machine shared also measures how much CPU the generator takes from the server.
# A machine with one CPU runs only the shared placement.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/bench-tool.sh"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rounds=${1:-20}
full_requests=${2:-10000}
satcar_warmup=10000
cpus=$(nproc)
placements="shared"
if [ "$cpus" -gt 1 ]; then placements="shared pinned one-cpu"; fi
placements=${PLACEMENTS:-$placements}
modes=${MODES:-ping-k1 ping-k4 echo-k1 healthz-c1}
for mode in $modes; do
  case $mode in ping-k1 | ping-k4 | echo-k1 | healthz-c1) ;; *) echo "unknown mode $mode (ping-k1, ping-k4, echo-k1, healthz-c1)" >&2; exit 2 ;; esac
done
for placement in $placements; do
  case $placement in
    shared) ;;
    pinned | one-cpu) [ "$cpus" -gt 1 ] || { echo "$placement needs more than one CPU" >&2; exit 2; } ;;
    *) echo "unknown placement $placement (shared, pinned, one-cpu)" >&2; exit 2 ;;
  esac
done
need ab apache2-utils
need curl curl
# Only the two programs this script runs, so that work in progress elsewhere in the solution does not stop it.
echo "== building satcar and the bench target (Release)"
dotnet build "$repo_root/src/Satcar.Cli/Satcar.Cli.csproj" -c Release --nologo -v quiet >/dev/null
dotnet build "$bench_root/Satcar.BenchTargets/Satcar.BenchTargets.csproj" -c Release --nologo -v quiet >/dev/null

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
rows="$work/rows.jsonl"
port=$(free_port)

echo "== starting the bare Kestrel target"
start kestrel "$work/kestrel.log" dotnet "$bench_root/Satcar.BenchTargets/bin/Release/net10.0/Satcar.BenchTargets.dll" \
  --urls "http://127.0.0.1:$port"
wait_http "http://127.0.0.1:$port/healthz" 204

kestrel_pid=${pids[-1]}
base="http://127.0.0.1:$port"

# place PLACEMENT: sets the server's CPUs (all its threads) and the generators' CPUs for the next measurement.
place() {
  case $1 in
    pinned) taskset -a -p -c "1-$((cpus - 1))" "$kestrel_pid" >/dev/null; generator_cpus=0 ;;
    one-cpu) taskset -a -p -c 0 "$kestrel_pid" >/dev/null; generator_cpus=0 ;;
    *) taskset -a -p -c "0-$((cpus - 1))" "$kestrel_pid" >/dev/null; generator_cpus= ;;
  esac
}
python3 -c 'import json; print(json.dumps({"order": "x" * 1000}))' >"$work/body.json"

echo "== warming up (both tools, every endpoint)"
requests=20000
for url in "$base/ping" "$base/healthz"; do
  ab -k -c 4 -n "$requests" "$url" >/dev/null 2>&1
  dotnet "$satcar_dll" bench -q -k -c 4 -n "$requests" "$url" >/dev/null
done
ab -k -c 4 -n "$requests" -p "$work/body.json" -T application/json "$base/echo" >/dev/null 2>&1
dotnet "$satcar_dll" bench -q -k -c 4 -n "$requests" -p "$work/body.json" -T application/json "$base/echo" >/dev/null

# measure ROUND TOOL MODE PLACEMENT: TOOL is ab, satcar or ab-control (ab's second run, recorded under that name).
measure() {
  local round=$1 tool=$2 mode=$3 placement=$4 run=satcar_measure label=$3 ab_tool=$2
  if [ "$tool" != satcar ]; then run=ab_measure; fi
  if [ "$placement" != shared ]; then label="$mode/$placement"; fi
  place "$placement"
  case $mode in
    ping-k1) requests=$full_requests; $run "$round" "$label" "$base/ping" -k -c 1 ;;
    ping-k4) requests=$full_requests; $run "$round" "$label" "$base/ping" -k -c 4 ;;
    echo-k1) requests=$full_requests; $run "$round" "$label" "$base/echo" -k -c 1 -p "$work/body.json" -T application/json ;;
    healthz-c1) requests=$((full_requests / 2)); $run "$round" "$label" "$base/healthz" -c 1 ;;
  esac
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  for pair in $(for m in $modes; do for p in $placements; do echo "$m:$p"; done; done | shuf); do
    IFS=: read -r mode placement <<<"$pair"
    for tool in $(printf '%s\n' ab satcar ab-control | shuf); do
      measure "$round" "$tool" "$mode" "$placement"
    done
  done
done
place shared

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
stamp=$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$bench_root/results"
machine_facts "$work/facts.txt"
{
  echo "requests per measurement: $full_requests (healthz-c1: $((full_requests / 2))); satcar bench --warmup $satcar_warmup in the same process; one generator at a time"
  echo "modes: $modes"
  echo "placements: $placements (shared: generator and server unpinned; pinned, modes marked /pinned: generator on CPU 0, server on CPUs 1-$((cpus - 1)); one-cpu, modes marked /one-cpu: generator and server on CPU 0)"
  echo "target: Satcar.BenchTargets (Release), Kestrel on 127.0.0.1"
  echo "load average (1, 5, 15 min) at the start (before the build): $load_before; after: $load_after"
} >>"$work/facts.txt"
cp "$rows" "$bench_root/results/$stamp-ab-agreement.jsonl"
agreement_report "$rows" "$work/facts.txt" "satcar bench against ab ($stamp)" "$bench_root/results/$stamp-ab-agreement.md"
echo "== written bench/results/$stamp-ab-agreement.md"
