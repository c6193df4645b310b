# rate_run ROUND TARGET URL RATE SECONDS: one open-loop `satcar bench --rate` measurement appended as a JSON row to
# $rows (target named TARGET@RATErps). Latency is measured from each request's scheduled send time, so a target
# that cannot keep up shows it (no coordinated omission); `late` counts requests not sent within 1 ms of schedule.
# Source it after lib/common.sh.
rate_run() {
  local round=$1 target=$2 url=$3 rate=$4 seconds=$5
  local out
  out=$(mktemp)
  dotnet "$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll" bench -q --json -k -c 32 --rate "$rate" \
    -n "$((rate * seconds))" -t "$((seconds + 30))" "$url" >"$out" 2>&1 || true
  python3 - "$out" "$round" "$target@${rate}rps" >>"$rows" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    sys.stderr.write(open(sys.argv[1]).read())
    raise
total = r["connectionTimesMs"]["total"]
print(json.dumps({"round": int(sys.argv[2]), "target": sys.argv[3],
    "mean_ms": total.get("mean"), "p50_ms": total.get("p50"), "p99_ms": total.get("p99"),
    "rps": r["requestsPerSecond"], "failed": r["failed"], "non2xx": r["non2xx"], "late": r.get("late")}))
PY
  rm -f "$out"
}
