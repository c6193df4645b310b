#!/usr/bin/env bash
# The link's added latency and throughput next to nginx, in one interleaved run (performance.md
# §6.2): every target forwards to the same satcar's /v1.0/healthz (204).
#   S   the satcar directly
#   F   satcar link -> S (YARP, pooled keep-alive HTTP/1.1)
#   N   nginx with an upstream keep-alive pool -> S
#   N0  nginx with a plain proxy_pass -> S (the seed's setup: a new upstream connection per request)
# Per round, in a shuffled order: ab -k -c1 -n REQUESTS on each (latency), then wrk -t1 -c32 on each
# (throughput). TIME_WAIT sockets are counted before and after to show upstream reuse.
#
#   bench/link-overhead.sh [ROUNDS] [REQUESTS] [WRK_SECONDS]     (defaults: 5, 20000, 10)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/ab.sh"
source "$(dirname "$0")/lib/wrk.sh"

rounds=${1:-5}
requests=${2:-20000}
wrk_seconds=${3:-10}
need ab apache2-utils
need wrk wrk
need nginx nginx
need curl curl
build_release

work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
rows="$work/rows.jsonl"
satcar_port=$(free_port) link_port=$(free_port) nginx_ka_port=$(free_port) nginx_plain_port=$(free_port)
satcar="$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll"

echo "== starting the satcar, the link and nginx"
start satcar "$work/satcar.log" dotnet "$satcar" run --app-id bench --dapr-http-port "$satcar_port" \
  --dapr-listen-addresses 127.0.0.1 --dapr-grpc-port 0 --log-level warn
start link "$work/link.log" dotnet "$satcar" link --satcar-url "http://127.0.0.1:$satcar_port" \
  --dapr-http-port "$link_port" --no-grpc --log-level warn
cat >"$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream satcar_keepalive { server 127.0.0.1:$satcar_port; keepalive 32; }
  server {
    listen 127.0.0.1:$nginx_ka_port;
    location / { proxy_pass http://satcar_keepalive; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:$nginx_plain_port;
    location / { proxy_pass http://127.0.0.1:$satcar_port; }
  }
}
NGINX
start nginx "$work/nginx.log" nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;'
declare -A url=(
  [S]="http://127.0.0.1:$satcar_port/v1.0/healthz"
  [F]="http://127.0.0.1:$link_port/v1.0/healthz"
  [N]="http://127.0.0.1:$nginx_ka_port/v1.0/healthz"
  [N0]="http://127.0.0.1:$nginx_plain_port/v1.0/healthz"
)
for target in S F N N0; do wait_http "${url[$target]}" 204; done

echo "== warming up"
for target in S F N N0; do wrk -t1 -c4 -d5s "${url[$target]}" >/dev/null; done

time_wait_before=$(ss -tan state time-wait | wc -l)
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds"
  for target in $(printf '%s\n' S F N N0 | shuf); do ab_run "$round" "$target" "${url[$target]}"; done
  for target in $(printf '%s\n' S F N N0 | shuf); do wrk_run "$round" "$target" "${url[$target]}" 32 "$wrk_seconds"; done
done
time_wait_after=$(ss -tan state time-wait | wc -l)

stamp=$(date -u +%Y-%m-%d-%H%M)
mkdir -p "$bench_root/results"
machine_facts "$work/facts.txt"
{
  echo "latency: ab -k -c 1 -n $requests per target and round; throughput: wrk -t1 -c32 -d${wrk_seconds}s"
  echo "nginx: worker_processes auto; N = upstream keepalive 32 + HTTP/1.1; N0 = plain proxy_pass (HTTP/1.0 upstream)"
  echo "TIME_WAIT sockets before/after all rounds: $time_wait_before / $time_wait_after (N0 opens one upstream connection per request)"
} >>"$work/facts.txt"
cp "$rows" "$bench_root/results/$stamp-link-overhead.jsonl"
python3 "$bench_root/lib/report.py" "$rows" "$work/facts.txt" "Link overhead: satcar link vs nginx ($stamp)" \
  "F:S,N:S,N0:S,F:N,F@c32:N@c32" "$bench_root/results/$stamp-link-overhead.md"
echo "== written bench/results/$stamp-link-overhead.md"
