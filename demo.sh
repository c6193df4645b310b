#!/usr/bin/env bash
# The main job on a bare machine: the seed's order demo on satellites (samples/hello-satcar) with the
# embedded defaults (SQLite state store, SQLite name resolution). Builds satcar and the two apps, runs
# the topology with `satcar up` for a while (30 s unless a duration is given, e.g. ./demo.sh 2m),
# reads the latest order back through the publisher's link and the two satcars, then stops everything.
# To keep it running until Ctrl-C: ./satcar up samples/hello-satcar
set -euo pipefail
cd "$(dirname "$0")"

duration=${1:-30s}
command -v curl >/dev/null 2>&1 || {
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq curl >/dev/null; else sudo apt-get update -qq && sudo apt-get install -y -qq curl >/dev/null; fi
}

echo "== building satcar"
./satcar --version >/dev/null

# While the topology runs: once OrderStore has an order, ask for it the way App1 would, through
# App1's link (localhost:3501) → satcar 127.0.0.2 → satcar 127.0.0.3 → OrderStore's GET /order.
order_url="http://127.0.0.1:${ORDERPUBLISHER_DAPR_PORT:-3501}/v1.0/invoke/orderstore/method/order"
(
  for _ in $(seq 1 600); do
    sleep 0.5
    if body=$(curl -fsS --max-time 2 "$order_url" 2>/dev/null) && [ -n "$body" ]; then
      sleep 5
      body=$(curl -fsS --max-time 2 "$order_url" 2>/dev/null) || true
      echo "demo | \$ curl $order_url"
      echo "demo | $body"
      exit 0
    fi
  done
) &
reader=$!
trap 'kill "$reader" 2>/dev/null || true' EXIT

echo "== satcar up samples/hello-satcar --for $duration"
./satcar up samples/hello-satcar --for "$duration"
