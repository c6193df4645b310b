#!/usr/bin/env bash
# The main job on a bare machine: builds satcar, runs it on the embedded SQLite state store, saves
# and reads a value through the Dapr state API with curl, then stops it.
set -euo pipefail
cd "$(dirname "$0")"

command -v curl >/dev/null 2>&1 || {
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq curl >/dev/null; else sudo apt-get update -qq && sudo apt-get install -y -qq curl >/dev/null; fi
}

port=${DAPR_HTTP_PORT:-3500}
api="http://127.0.0.1:$port"
mkdir -p .satcar
echo "== building satcar"
./satcar --version >/dev/null

echo "== satcar run --app-id quickstart --resources-path samples/quickstart/resources --dapr-http-port $port"
./satcar run --app-id quickstart --resources-path samples/quickstart/resources \
  --dapr-http-port "$port" --dapr-listen-addresses 127.0.0.1 >.satcar/quickstart.log 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT

for _ in $(seq 1 150); do
  if curl -fs -o /dev/null "$api/v1.0/healthz"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then cat .satcar/quickstart.log; exit 1; fi
  sleep 0.2
done
curl -fs -o /dev/null "$api/v1.0/healthz" || { echo "satcar did not become healthy"; cat .satcar/quickstart.log; exit 1; }
sed 's/^/  satcar | /' .satcar/quickstart.log

value="{\"orderId\":$RANDOM,\"item\":\"coffee\"}"
echo
echo "\$ curl -X POST $api/v1.0/state/statestore -H 'Content-Type: application/json' -d '[{\"key\":\"order\",\"value\":$value}]'"
curl -fsS -X POST "$api/v1.0/state/statestore" -H 'Content-Type: application/json' \
  -d "[{\"key\":\"order\",\"value\":$value}]" -w 'HTTP %{http_code}\n'
echo
echo "\$ curl $api/v1.0/state/statestore/order"
curl -fsS "$api/v1.0/state/statestore/order" -w '\nHTTP %{http_code}\n'
echo
echo "The value lives in .satcar/quickstart.db; run ./demo.sh again and it is replaced."
