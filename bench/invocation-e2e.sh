#!/usr/bin/env bash
# Service invocation end to end, the seed's path, next to calling the app directly, in one interleaved
# run (performance.md §6): every target ends at the same app (Satcar.BenchTargets, GET /ping → "ok").
#   D    App2 directly (127.0.0.1)
#   S1   App2's own satcar (127.0.0.3): /v1.0/invoke/app2/method/ping, one hop through the app channel
#   S2   App1's satcar (127.0.0.2) → peer channel (HTTP/1.1) → App2's satcar → App2
#   L2   App1's link (127.0.0.1) → App1's satcar → App2's satcar → App2: what App1 sees on localhost:3500
# Name resolution is the embedded SQLite resolver in a folder of the run; the satcars share a peer secret.
# Per round, in a shuffled order: ab -k -c1 -n REQUESTS on each target (latency), then `satcar bench`
# at a fixed RATE req/s for RATE_SECONDS on each (latency from each request's scheduled send time, so
# a target that falls behind shows it; no coordinated omission).
#
#   bench/invocation-e2e.sh [ROUNDS] [REQUESTS] [RATE] [RATE_SECONDS]     (defaults: 5, 20000, 1000, 10)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/ab.sh"
source "$(dirname "$0")/lib/rate.sh"

rounds=${1:-5}
requests=${2:-20000}
rate=${3:-1000}
rate_seconds=${4:-10}
need ab apache2-utils
need curl curl
build_release

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
rows="$work/rows.jsonl"
app_port=$(free_port) satcar1_port=$(free_port) satcar2_port=$(free_port) link_port=$(free_port)
peer1_port=$(free_port) peer2_port=$(free_port)
satcar="$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll"
targets_dll="$bench_root/Satcar.BenchTargets/bin/Release/net10.0/Satcar.BenchTargets.dll"
export SATCAR_HOME="$work/home" SATCAR_PEER_SECRET="bench-$RANDOM-$RANDOM-$RANDOM-$RANDOM"
mkdir -p "$SATCAR_HOME"

echo "== starting App2, two satcars and App1's link"
start app2 "$work/app2.log" dotnet "$targets_dll" --urls "http://127.0.0.1:$app_port"
start satcar2 "$work/satcar2.log" dotnet "$satcar" run --app-id app2 --app-port "$app_port" \
  --dapr-http-port "$satcar2_port" --dapr-listen-addresses 127.0.0.3 --dapr-grpc-port 0 \
  --dapr-internal-grpc-port "$peer2_port" --dapr-internal-grpc-listen-address 127.0.0.3 --host-address 127.0.0.3 \
  --log-level warn
start satcar1 "$work/satcar1.log" dotnet "$satcar" run --app-id app1 \
  --dapr-http-port "$satcar1_port" --dapr-listen-addresses 127.0.0.2 --dapr-grpc-port 0 \
  --dapr-internal-grpc-port "$peer1_port" --dapr-internal-grpc-listen-address 127.0.0.2 --host-address 127.0.0.2 \
  --log-level warn
start link "$work/link.log" dotnet "$satcar" link --satcar-url "http://127.0.0.2:$satcar1_port" \
  --dapr-http-port "$link_port" --no-grpc --log-level warn
declare -A url=(
  [D]="http://127.0.0.1:$app_port/ping"
  [S1]="http://127.0.0.3:$satcar2_port/v1.0/invoke/app2/method/ping"
  [S2]="http://127.0.0.2:$satcar1_port/v1.0/invoke/app2/method/ping"
  [L2]="http://127.0.0.1:$link_port/v1.0/invoke/app2/method/ping"
)
for target in D S1 S2 L2; do wait_http "${url[$target]}" 200; done

echo "== warming up"
for target in D S1 S2 L2; do ab -k -c 4 -n 5000 "${url[$target]}" >/dev/null; done

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  for target in $(printf '%s\n' D S1 S2 L2 | shuf); do ab_run "$round" "$target" "${url[$target]}"; done
  for target in $(printf '%s\n' D S1 S2 L2 | shuf); do rate_run "$round" "$target" "${url[$target]}" "$rate" "$rate_seconds"; done
done

stamp=$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$bench_root/results"
machine_facts "$work/facts.txt"
{
  echo "latency: ab -k -c 1 -n $requests per target and round"
  echo "fixed rate: satcar bench -k -c 32 --rate $rate for ${rate_seconds}s per target and round (latency from the scheduled send time)"
  echo "loopback addresses stand for hosts: apps and link 127.0.0.1, App1's satcar 127.0.0.2, App2's satcar 127.0.0.3"
} >>"$work/facts.txt"
cp "$rows" "$bench_root/results/$stamp-invocation-e2e.jsonl"
python3 "$bench_root/lib/report.py" "$rows" "$work/facts.txt" "Invocation end to end: link → satcar → satcar → app vs direct ($stamp)" \
  "S1:D,S2:D,L2:D,S2:S1,L2:S2,S1@${rate}rps:D@${rate}rps,S2@${rate}rps:D@${rate}rps,L2@${rate}rps:D@${rate}rps" \
  "$bench_root/results/$stamp-invocation-e2e.md"
echo "== written bench/results/$stamp-invocation-e2e.md"
