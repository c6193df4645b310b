# ab_run ROUND TARGET URL [ab options...]: one ab -k -c1 measurement appended as a JSON row to $rows.
# The mean is ab's "Time per request"; p50 and p99 come from its -e percentile file.
ab_run() {
  local round=$1 target=$2 url=$3
  shift 3
  local out pct
  out=$(mktemp) pct=$(mktemp)
  ab -k -c 1 -n "$requests" -e "$pct" "$@" "$url" >"$out" 2>&1 || { cat "$out" >&2; return 1; }
  python3 - "$out" "$pct" "$round" "$target" >>"$rows" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
pct = dict(line.split(",") for line in open(sys.argv[2]).read().splitlines()[1:])
def num(pattern, default=0.0):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default
print(json.dumps({
    "round": int(sys.argv[3]), "target": sys.argv[4],
    "mean_ms": num(r"Time per request:\s+([\d.]+) \[ms\] \(mean\)"),
    "p50_ms": float(pct["50"]), "p99_ms": float(pct["99"]),
    "rps": num(r"Requests per second:\s+([\d.]+)"),
    "failed": int(num(r"Failed requests:\s+(\d+)")),
    "non2xx": int(num(r"Non-2xx responses:\s+(\d+)")),
    "keepalive": int(num(r"Keep-Alive requests:\s+(\d+)")),
}))
PY
  rm -f "$out" "$pct"
}

# redis_run ROUND TARGET COMMAND: one redis-benchmark -c 1 measurement (get or set, 1 KiB values).
redis_run() {
  local round=$1 target=$2 command=$3
  redis-benchmark -h 127.0.0.1 -p "$redis_port" -n "$requests" -c 1 -d 1024 -t "$command" --csv 2>/dev/null |
    python3 -c '
import csv, json, sys
rows = list(csv.reader(sys.stdin))
header, values = rows[0], rows[1]
r = dict(zip(header, values))
print(json.dumps({"round": int(sys.argv[1]), "target": sys.argv[2], "mean_ms": float(r["avg_latency_ms"]),
                  "p50_ms": float(r["p50_latency_ms"]), "p99_ms": float(r["p99_latency_ms"]),
                  "rps": float(r["rps"]), "failed": 0, "non2xx": 0}))' "$round" "$target" >>"$rows"
}
