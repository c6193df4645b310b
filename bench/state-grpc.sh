#!/usr/bin/env bash
# State GET over the Dapr gRPC API next to the Dapr HTTP API, directly and through the link, at
# concurrency 1 and 16, in one interleaved run (issue: the gRPC API). One satcar (127.0.0.2) with
# state.in-memory, so the figures are the API heads' and the link's cost rather than a store's; one link
# (127.0.0.1) whose gRPC port carries gRPC to the satcar as gRPC-Web over HTTP/1.1. Both protocols are
# driven by the same .NET client loop (bench/Satcar.StateLoad): HTTP/1.1 keep-alive connections, one per
# worker, for HTTP; one HTTP/2 connection with multiplexed streams for gRPC, as Dapr's SDKs use it.
#   http / grpc            the satcar's HTTP port / gRPC port (h2c), with the API token
#   http-link / grpc-link  the link's HTTP port / gRPC port, which add the token
#
#   bench/state-grpc.sh [ROUNDS] [REQUESTS]        (defaults: 5 rounds, 20000 requests per target)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

rounds=${1:-5}
requests=${2:-20000}
need curl curl
build_release

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
rows="$work/rows.jsonl"
http_port=$(free_port) grpc_port=$(free_port) link_http_port=$(free_port) link_grpc_port=$(free_port)
satcar="$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll"
load="$bench_root/Satcar.StateLoad/bin/Release/net10.0/Satcar.StateLoad.dll"
token="bench-$RANDOM-$RANDOM-$RANDOM"
mkdir -p "$work/resources"
cat >"$work/resources/statestore.yaml" <<YAML
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.in-memory
  version: v1
YAML

echo "== starting the satcar and the link"
start satcar "$work/satcar.log" env DAPR_API_TOKEN="$token" dotnet "$satcar" run --app-id bench \
  --dapr-http-port "$http_port" --dapr-grpc-port "$grpc_port" --dapr-listen-addresses 127.0.0.2 \
  --resources-path "$work/resources" --log-level warn
start link "$work/link.log" env DAPR_API_TOKEN="$token" dotnet "$satcar" link --satcar-url "http://127.0.0.2:$http_port" \
  --dapr-http-port "$link_http_port" --dapr-grpc-port "$link_grpc_port" --log-level warn
wait_http "http://127.0.0.2:$http_port/v1.0/healthz/outbound" 204
wait_http "http://127.0.0.1:$link_http_port/v1.0/healthz/outbound" 204
value=$(python3 -c 'import json; print(json.dumps([{"key": "k1", "value": {"order": "x" * 1000}}]))')
curl -fsS -X POST "http://127.0.0.2:$http_port/v1.0/state/statestore" -H "dapr-api-token: $token" \
  -H 'Content-Type: application/json' -d "$value"

declare -A protocol=([http]=http [grpc]=grpc [http-link]=http [grpc-link]=grpc)
declare -A url=(
  [http]="http://127.0.0.2:$http_port" [grpc]="http://127.0.0.2:$grpc_port"
  [http-link]="http://127.0.0.1:$link_http_port" [grpc-link]="http://127.0.0.1:$link_grpc_port"
)
measure() { # ROUND TARGET CONCURRENCY
  local round=$1 target=$2 c=$3 token_args=()
  case $target in *-link) ;; *) token_args=(--token "$token") ;; esac
  dotnet "$load" --protocol "${protocol[$target]}" --url "${url[$target]}" --concurrency "$c" \
    --requests "$requests" --warmup 2000 --round "$round" --name "$target@c$c" "${token_args[@]}" >>"$rows"
}

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  for run in $(printf '%s\n' {http,grpc,http-link,grpc-link}:{1,16} | shuf); do measure "$round" "${run%:*}" "${run#*:}"; done
done

stamp=$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$bench_root/results"
machine_facts "$work/facts.txt"
{
  echo "client: bench/Satcar.StateLoad (closed loop, $requests requests per target and round after 2000 warm-up requests); value: 1 KiB JSON in state.in-memory"
} >>"$work/facts.txt"
cp "$rows" "$bench_root/results/$stamp-state-grpc.jsonl"
pairs="grpc@c1:http@c1,grpc-link@c1:http-link@c1,http-link@c1:http@c1,grpc-link@c1:grpc@c1"
pairs="$pairs,grpc@c16:http@c16,grpc-link@c16:http-link@c16,http-link@c16:http@c16,grpc-link@c16:grpc@c16"
python3 "$bench_root/lib/report.py" "$rows" "$work/facts.txt" "State GET: gRPC vs HTTP, direct and through the link ($stamp)" \
  "$pairs" "$bench_root/results/$stamp-state-grpc.md"
echo "== written bench/results/$stamp-state-grpc.md"
