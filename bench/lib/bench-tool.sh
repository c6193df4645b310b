# Helpers for scripts that run `satcar bench` next to ab. Source it after lib/common.sh; it appends JSON rows to
# $rows, one per measurement: {round, tool, mode, mean_ms, total_mean_ms, p50_ms, p90_ms, p99_ms, rps, failed,
# non2xx, keepalive, requests}. When $generator_cpus is set (for example "0"), both tools run under
# `taskset -c $generator_cpus`.

satcar_dll="$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll"

# generator COMMAND...: runs a load generator, pinned to $generator_cpus when that is set.
generator() {
  if [ -n "${generator_cpus:-}" ]; then taskset -c "$generator_cpus" "$@"; else "$@"; fi
}

# ab_measure ROUND MODE URL [ab options...]: one ab run. mean_ms is ab's "Time per request" (concurrency × time
# taken / complete requests); the percentiles come from its -e file (µs resolution, unlike its printed table).
ab_measure() {
  local round=$1 mode=$2 url=$3
  shift 3
  local out pct
  out=$(mktemp) pct=$(mktemp)
  generator ab -n "$requests" -e "$pct" "$@" "$url" >"$out" 2>&1 || { cat "$out" >&2; rm -f "$out" "$pct"; return 1; }
  python3 - "$out" "$pct" "$round" "$mode" >>"$rows" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
pct = dict(line.split(",") for line in open(sys.argv[2]).read().splitlines()[1:])
def num(pattern, default=0.0):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default
print(json.dumps({
    "round": int(sys.argv[3]), "tool": "ab", "mode": sys.argv[4],
    "mean_ms": num(r"Time per request:\s+([\d.]+) \[ms\] \(mean\)"), "total_mean_ms": None,
    "p50_ms": float(pct["50"]), "p90_ms": float(pct["90"]), "p99_ms": float(pct["99"]),
    "rps": num(r"Requests per second:\s+([\d.]+)"),
    "failed": int(num(r"Failed requests:\s+(\d+)")), "non2xx": int(num(r"Non-2xx responses:\s+(\d+)")),
    "keepalive": int(num(r"Keep-Alive requests:\s+(\d+)")), "requests": int(num(r"Complete requests:\s+(\d+)")),
}))
PY
  rm -f "$out" "$pct"
}

# satcar_measure ROUND MODE URL [satcar bench options...]: the same measurement with `satcar bench`. mean_ms is the
# same formula as ab's "Time per request"; total_mean_ms is the mean of the per-request total times; the
# percentiles come from its -e file, which uses ab's index rule. $satcar_warmup requests (default 0) warm the
# client's JIT in the same process first; they are not recorded.
satcar_measure() {
  local round=$1 mode=$2 url=$3
  shift 3
  local out pct
  out=$(mktemp) pct=$(mktemp)
  generator dotnet "$satcar_dll" bench -q --json --warmup "${satcar_warmup:-0}" -n "$requests" -e "$pct" "$@" "$url" >"$out" 2>&1 || true
  python3 - "$out" "$pct" "$round" "$mode" >>"$rows" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    sys.stderr.write(open(sys.argv[1]).read())
    raise
pct = dict(line.split(",") for line in open(sys.argv[2]).read().splitlines()[1:])
print(json.dumps({
    "round": int(sys.argv[3]), "tool": "satcar", "mode": sys.argv[4],
    "mean_ms": r.get("timePerRequestMs"), "total_mean_ms": r["connectionTimesMs"]["total"].get("mean"),
    "p50_ms": float(pct["50"]), "p90_ms": float(pct["90"]), "p99_ms": float(pct["99"]),
    "rps": r["requestsPerSecond"], "failed": r["failed"], "non2xx": r["non2xx"],
    "keepalive": r["keepAliveRequests"], "requests": r["completed"],
}))
PY
  rm -f "$out" "$pct"
}

# agreement_report ROWS FACTS TITLE OUT.md: medians over rounds per tool and mode, satcar/ab ratios, and the verdict
# (means within 10%).
agreement_report() {
  python3 - "$@" <<'PY'
import json, statistics, sys
rows_file, facts_file, title, out = sys.argv[1:5]
rows = [json.loads(l) for l in open(rows_file) if l.strip()]
modes = list(dict.fromkeys(r["mode"] for r in rows))
rounds = max(r["round"] for r in rows)
def vals(tool, mode, field):
    return [r[field] for r in rows if r["tool"] == tool and r["mode"] == mode and r.get(field) is not None]
def med(tool, mode, field):
    v = vals(tool, mode, field)
    return statistics.median(v) if v else None
def spread(tool, mode, field):
    v = vals(tool, mode, field)
    return f"{min(v):.3f}–{max(v):.3f}" if v else "-"
def f(x, d=3):
    return "-" if x is None else f"{x:.{d}f}"
lines = [f"# {title}", "", "Machine and tools:", "", "```", open(facts_file).read().strip(), "```", ""]
lines += [f"Medians over {rounds} interleaved rounds (each round runs every tool × mode once, in a shuffled order; "
          "min–max of the round values in brackets). `mean` is \"Time per request\" for both tools "
          "(concurrency × time taken / complete requests); `satcar per-request mean` is the mean of satcar's measured "
          "total times; percentiles come from each tool's `-e` file (ab's index rule in both).", ""]
lines += ["| mode | tool | mean ms | satcar per-request mean ms | p50 ms | p90 ms | p99 ms | req/s | failed | non-2xx | keep-alive |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
for m in modes:
    for t in ("ab", "satcar"):
        failed = sum(vals(t, m, "failed")); non2xx = sum(vals(t, m, "non2xx")); ka = sum(vals(t, m, "keepalive"))
        lines.append(f"| {m} | {t} | {f(med(t, m, 'mean_ms'))} ({spread(t, m, 'mean_ms')}) | {f(med(t, m, 'total_mean_ms'))} | "
                     f"{f(med(t, m, 'p50_ms'))} | {f(med(t, m, 'p90_ms'))} | {f(med(t, m, 'p99_ms'))} | {f(med(t, m, 'rps'), 0)} | {failed} | {non2xx} | {ka} |")
lines += ["", "| mode | satcar/ab mean | satcar/ab p50 | satcar/ab p90 | satcar per-request mean / ab mean | means within 10%? |",
          "|---|---|---|---|---|---|"]
verdicts = []
for m in modes:
    def ratio(field, a_field=None):
        s, a = med("satcar", m, field), med("ab", m, a_field or field)
        return s / a if s is not None and a else None
    r = ratio("mean_ms")
    ok = r is not None and abs(r - 1) <= 0.10
    verdicts.append((m, ok, r))
    lines.append(f"| {m} | {f(r, 2)} | {f(ratio('p50_ms'), 2)} | {f(ratio('p90_ms'), 2)} | {f(ratio('total_mean_ms', 'mean_ms'), 2)} | {'yes' if ok else 'no'} |")
# ab speaks HTTP/1.0: a response without Content-Length (chunked) makes the server close, so ab reconnects for every
# request even with -k while satcar keeps the connection; such a mode does not compare like with like.
unlike = []
for m in modes:
    s_ka, a_ka, a_n = sum(vals("satcar", m, "keepalive")), sum(vals("ab", m, "keepalive")), sum(vals("ab", m, "requests"))
    if s_ka > 0 and a_ka < a_n:
        unlike.append(f"{m} (ab kept {a_ka} of {a_n} requests alive, satcar {s_ka})")
agree = [m for m, ok, _ in verdicts if ok]
disagree = [f"{m} ({f(r, 2)}×)" for m, ok, r in verdicts if not ok]
lines += ["", "## Verdict", ""]
if not disagree:
    lines.append(f"The means agree within 10% in every mode ({', '.join(agree)}).")
else:
    lines.append(f"The means agree within 10% in {len(agree)} of {len(verdicts)} modes"
                 + (f" ({', '.join(agree)})" if agree else "") + f"; they do not in {', '.join(disagree)}.")
if unlike:
    lines += ["", "Not like for like: " + "; ".join(unlike) + ". With -k, ab (HTTP/1.0) keeps a connection only when "
              "the response has Content-Length; a chunked response makes the server close, so ab pays a new connection "
              "per request there while satcar (HTTP/1.1) does not."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
}
