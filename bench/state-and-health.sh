#!/usr/bin/env bash
# State GET and SET through `satcar run` next to direct Redis GET/SET, and /v1.0/healthz next to a
# bare Kestrel endpoint, in one interleaved run (issue: runtime core). Every target is measured once
# per round at concurrency 1 with keep-alive, in a shuffled order; the report gives medians over the
# rounds, the latency satcar adds and the ratios, with the machine facts.
#
#   bench/state-and-health.sh [ROUNDS] [REQUESTS]        (defaults: 5 rounds, 20000 requests)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/ab.sh"

rounds=${1:-5}
requests=${2:-20000}
need ab apache2-utils
need redis-server redis-server
need curl curl
build_release

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
rows="$work/rows.jsonl"
redis_port=$(free_port) satcar_port=$(free_port) kestrel_port=$(free_port)

echo "== starting redis-server, satcar and a bare Kestrel endpoint"
start redis "$work/redis.log" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no
mkdir -p "$work/resources"
cat >"$work/resources/statestore.yaml" <<YAML
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: statestore
spec:
  type: state.redis
  version: v1
  metadata:
  - name: redisHost
    value: 127.0.0.1:$redis_port
YAML
start satcar "$work/satcar.log" dotnet "$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll" run \
  --app-id bench --dapr-http-port "$satcar_port" --dapr-grpc-port 0 --dapr-listen-addresses 127.0.0.1 \
  --resources-path "$work/resources" --log-level warn
start kestrel "$work/kestrel.log" dotnet "$bench_root/Satcar.BenchTargets/bin/Release/net10.0/Satcar.BenchTargets.dll" \
  --urls "http://127.0.0.1:$kestrel_port"
wait_http "http://127.0.0.1:$satcar_port/v1.0/healthz" 204
wait_http "http://127.0.0.1:$kestrel_port/healthz" 204

value=$(python3 -c 'import json; print(json.dumps({"order": "x" * 1000}))')
echo "[{\"key\":\"k1\",\"value\":$value}]" >"$work/save.json"
curl -fsS -X POST -H 'Content-Type: application/json' --data-binary @"$work/save.json" "http://127.0.0.1:$satcar_port/v1.0/state/statestore" >/dev/null

get="http://127.0.0.1:$satcar_port/v1.0/state/statestore/k1"
set="http://127.0.0.1:$satcar_port/v1.0/state/statestore"
health="http://127.0.0.1:$satcar_port/v1.0/healthz"
bare="http://127.0.0.1:$kestrel_port/healthz"

echo "== warming up"
for url in "$get" "$health" "$bare"; do ab -k -c 4 -t 5 -n 1000000 "$url" >/dev/null 2>&1; done
ab -k -c 4 -t 5 -n 1000000 -p "$work/save.json" -T application/json "$set" >/dev/null 2>&1

for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  for target in $(printf '%s\n' satcar-get satcar-set redis-get redis-set satcar-healthz kestrel-healthz | shuf); do
    case $target in
      satcar-get) ab_run "$round" "$target" "$get" ;;
      satcar-set) ab_run "$round" "$target" "$set" -p "$work/save.json" -T application/json ;;
      satcar-healthz) ab_run "$round" "$target" "$health" ;;
      kestrel-healthz) ab_run "$round" "$target" "$bare" ;;
      redis-get) redis_run "$round" "$target" get ;;
      redis-set) redis_run "$round" "$target" set ;;
    esac
  done
done

stamp=$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$bench_root/results"
machine_facts "$work/facts.txt"
echo "requests per measurement: $requests (ab -k -c 1; redis-benchmark -c 1 -d 1024)" >>"$work/facts.txt"
cp "$rows" "$bench_root/results/$stamp-state-and-health.jsonl"
python3 "$bench_root/lib/report.py" "$rows" "$work/facts.txt" "State and health through satcar ($stamp)" \
  "satcar-get:redis-get,satcar-set:redis-set,satcar-healthz:kestrel-healthz" \
  "$bench_root/results/$stamp-state-and-health.md"
echo "== written bench/results/$stamp-state-and-health.md"
