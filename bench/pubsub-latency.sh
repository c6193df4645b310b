#!/usr/bin/env bash
# Publish-to-delivery latency through two satcars and Redis: App1 publishes at a fixed rate through
# satcar1 (127.0.0.2) into a Redis stream; satcar2 (127.0.0.4) delivers to App2 (127.0.0.3). The probe
# (bench/Satcar.PubSubLatency) plays both apps and measures from each event's scheduled send time to
# its receipt, so a publisher that falls behind shows up as latency (no coordinated omission).
#
#   bench/pubsub-latency.sh [ROUNDS] [COUNT] [RATE]     (defaults: 3 rounds of 3000 events at 200/s)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

rounds=${1:-3}
count=${2:-3000}
rate=${3:-200}
need redis-server redis-server
need curl curl
build_release

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
redis_port=$(free_port) satcar1_port=$(free_port) satcar2_port=$(free_port) app_port=$(free_port)
satcar="$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll"
probe="$bench_root/Satcar.PubSubLatency/bin/Release/net10.0/Satcar.PubSubLatency.dll"

start redis "$work/redis.log" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no
mkdir -p "$work/resources"
cat >"$work/resources/pubsub.yaml" <<YAML
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: pubsub
spec:
  type: pubsub.redis
  version: v1
  metadata:
  - name: redisHost
    value: 127.0.0.1:$redis_port
YAML
start satcar1 "$work/satcar1.log" dotnet "$satcar" run --app-id app1 --dapr-http-port "$satcar1_port" --dapr-grpc-port 0 \
  --dapr-listen-addresses 127.0.0.2 --resources-path "$work/resources" --log-level warn
start satcar2 "$work/satcar2.log" dotnet "$satcar" run --app-id app2 --dapr-http-port "$satcar2_port" --dapr-grpc-port 0 \
  --dapr-listen-addresses 127.0.0.4 --app-url "http://127.0.0.3:$app_port" --resources-path "$work/resources" --log-level warn
wait_http "http://127.0.0.2:$satcar1_port/v1.0/healthz/outbound" 204
wait_http "http://127.0.0.4:$satcar2_port/v1.0/healthz/outbound" 204

results="$work/rounds.jsonl"
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds: $count events at $rate/s"
  # The probe is the subscriber app: satcar2 asks it for /dapr/subscribe when it first answers, and
  # keeps delivering to the same address in later rounds.
  dotnet "$probe" --listen "http://127.0.0.3:$app_port" \
    --publish "http://127.0.0.2:$satcar1_port/v1.0/publish/pubsub/latency" \
    --rate "$rate" --count "$count" --warmup 400 --out "$work/round-$round.json" >/dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["round"]=int(sys.argv[2]); print(json.dumps(r))' \
    "$work/round-$round.json" "$round" >>"$results"
done

stamp=$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$bench_root/results"
machine_facts "$work/facts.txt"
cp "$results" "$bench_root/results/$stamp-pubsub-latency.jsonl"
python3 - "$results" "$work/facts.txt" "$bench_root/results/$stamp-pubsub-latency.md" "$rate" "$count" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k] for r in rows)
lines = [f"# Publish-to-delivery latency through two satcars and Redis", "", "```", open(sys.argv[2]).read().strip(), "```", "",
         f"{len(rows)} rounds of {sys.argv[5]} events at {sys.argv[4]}/s (400 warm-up events each, not counted), "
         "latency from each event's scheduled send time to its receipt by the subscriber app.", "",
         "| round | delivered | missing | failed publishes | mean ms | p50 ms | p90 ms | p99 ms | max ms |", "|---|---|---|---|---|---|---|---|---|"]
for r in rows:
    lines.append(f"| {r['round']} | {r['delivered']} | {r['missing']} | {r['failedPublishes']} | {r['mean_ms']:.2f} | {r['p50_ms']:.2f} | {r['p90_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} |")
lines.append(f"| median | | | | {med('mean_ms'):.2f} | {med('p50_ms'):.2f} | {med('p90_ms'):.2f} | {med('p99_ms'):.2f} | {med('max_ms'):.2f} |")
open(sys.argv[3], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
echo "== written bench/results/$stamp-pubsub-latency.md"
