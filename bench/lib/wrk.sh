# wrk_run ROUND TARGET URL CONNECTIONS SECONDS: one wrk -t1 throughput measurement appended as a JSON
# row to $rows (target named TARGET@cN). wrk's latencies are closed-loop; read its req/s.
wrk_run() {
  local round=$1 target=$2 url=$3 connections=$4 seconds=$5
  wrk -t1 -c "$connections" -d "${seconds}s" --latency "$url" 2>&1 | python3 -c '
import json, re, sys
text = sys.stdin.read()
def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
def latency(label):
    m = re.search(label + r"\s+([\d.]+)(us|ms|s)", text)
    return ms(*m.groups()) if m else None
errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
print(json.dumps({"round": int(sys.argv[1]), "target": sys.argv[2],
    "mean_ms": latency("Latency"), "p50_ms": latency("50%"), "p99_ms": latency("99%"),
    "rps": float(rps.group(1)) if rps else 0.0,
    "failed": sum(int(g) for g in errors.groups()) if errors else 0,
    "non2xx": int(non2xx.group(1)) if non2xx else 0}))' "$round" "$target@c$connections" >>"$rows"
}
