# Helpers for scripts that run `satcar bench` next to ab. Source it after lib/common.sh; it appends JSON rows to
# $rows, one per measurement: {round, tool, mode, mean_ms, total_mean_ms, p50_ms, p90_ms, p99_ms, rps, failed,
# non2xx, keepalive, requests}. When $generator_cpus is set (for example "0"), both tools run under
# `taskset -c $generator_cpus`.

satcar_dll="$repo_root/src/Satcar.Cli/bin/Release/net10.0/satcar.dll"

# generator COMMAND...: runs a load generator, pinned to $generator_cpus when that is set.
generator() {
  if [ -n "${generator_cpus:-}" ]; then taskset -c "$generator_cpus" "$@"; else "$@"; fi
}

# ab_measure ROUND MODE URL [ab options...]: one ab run, recorded as tool $ab_tool (default "ab"). mean_ms is ab's
# "Time per request" (concurrency × time taken / complete requests); the percentiles come from its -e file (µs
# resolution, unlike its printed table).
ab_measure() {
  local round=$1 mode=$2 url=$3
  shift 3
  local out pct
  out=$(mktemp) pct=$(mktemp)
  generator ab -n "$requests" -e "$pct" "$@" "$url" >"$out" 2>&1 || { cat "$out" >&2; rm -f "$out" "$pct"; return 1; }
  python3 - "$out" "$pct" "$round" "$mode" "${ab_tool:-ab}" >>"$rows" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
pct = dict(line.split(",") for line in open(sys.argv[2]).read().splitlines()[1:])
def num(pattern, default=0.0):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else default
print(json.dumps({
    "round": int(sys.argv[3]), "tool": sys.argv[5], "mode": sys.argv[4],
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

# agreement_report ROWS FACTS TITLE OUT.md: medians over rounds per tool and mode; per round, satcar's mean over the
# mean of that round's two ab runs, and the ab-control/ab ratio (the machine's own drift between two runs of one
# tool); their medians and spreads; and the verdict (the median of satcar's per-round ratios within 10%).
agreement_report() {
  python3 - "$@" <<'PY'
import json, statistics, sys
rows_file, facts_file, title, out = sys.argv[1:5]
rows = [json.loads(l) for l in open(rows_file) if l.strip()]
modes = list(dict.fromkeys(r["mode"] for r in rows))
rounds = max(r["round"] for r in rows)
tools = [t for t in ("ab", "satcar", "ab-control") if any(r["tool"] == t for r in rows)]
def vals(tool, mode, field):
    return [r[field] for r in rows if r["tool"] == tool and r["mode"] == mode and r.get(field) is not None]
def pmed(v):
    return statistics.median(v) if v else None
def med(tool, mode, field):
    return pmed(vals(tool, mode, field))
def spread(v, d=2):
    return f"{min(v):.{d}f}–{max(v):.{d}f}" if v else "-"
def f(x, d=3):
    return "-" if x is None else f"{x:.{d}f}"
def rounds_of(mode):
    by_round = {}
    for r in rows:
        if r["mode"] == mode:
            by_round.setdefault(r["round"], {})[r["tool"]] = r
    return by_round.values()
def versus_ab(mode, field, base_field=None):
    """satcar's field over the mean of ab's (base_field) runs in the same round (ab and ab-control), per round."""
    base_field = base_field or field
    out = []
    for p in rounds_of(mode):
        base = [p[t][base_field] for t in ("ab", "ab-control") if t in p and p[t].get(base_field)]
        if "satcar" in p and p["satcar"].get(field) is not None and base:
            out.append(p["satcar"][field] / statistics.mean(base))
    return out
def control(mode):
    """ab-control's mean over ab's in the same round: how far two runs of one tool drift apart."""
    return [p["ab-control"]["mean_ms"] / p["ab"]["mean_ms"] for p in rounds_of(mode)
            if "ab" in p and "ab-control" in p and p["ab"]["mean_ms"]]
lines = [f"# {title}", "", "Machine and tools:", "", "```", open(facts_file).read().strip(), "```", ""]
lines += [f"Medians over {rounds} rounds. Each round takes the modes in a shuffled order and runs ab, satcar and ab "
          "again (`ab-control`) back to back for each, in a shuffled order; min–max of the round values in brackets. "
          "`mean` is \"Time per request\" for both tools (concurrency × time taken / complete requests); `satcar "
          "per-request mean` is the mean of satcar's measured total times; percentiles come from each tool's `-e` file "
          "(ab's index rule in both).", ""]
lines += ["| mode | tool | mean ms | satcar per-request mean ms | p50 ms | p90 ms | p99 ms | req/s | failed | non-2xx | keep-alive |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
for m in modes:
    for t in tools:
        failed = sum(vals(t, m, "failed")); non2xx = sum(vals(t, m, "non2xx")); ka = sum(vals(t, m, "keepalive"))
        lines.append(f"| {m} | {t} | {f(med(t, m, 'mean_ms'))} ({spread(vals(t, m, 'mean_ms'), 3)}) | {f(med(t, m, 'total_mean_ms'))} | "
                     f"{f(med(t, m, 'p50_ms'))} | {f(med(t, m, 'p90_ms'))} | {f(med(t, m, 'p99_ms'))} | {f(med(t, m, 'rps'), 0)} | {failed} | {non2xx} | {ka} |")
lines += ["", "Ratios within each round (median over rounds, min–max in brackets). `satcar/ab` divides satcar's value by "
          "the mean of the round's two ab runs. `ab-control/ab` divides one ab run by the other: how far the same tool "
          "drifts between back-to-back runs on this machine, the resolution the comparison can have. `ratio of "
          "medians` divides satcar's median by ab's in the table above (the verdict of the reports before 2026-11-25-1159).", "",
          "| mode | satcar/ab mean | ab-control/ab mean | satcar/ab p50 | satcar/ab p90 | satcar per-request mean / ab mean | ratio of medians | means within 10%? |",
          "|---|---|---|---|---|---|---|---|"]
verdicts = []
for m in modes:
    mean_ratios = versus_ab(m, "mean_ms")
    r = pmed(mean_ratios)
    ok = r is not None and abs(r - 1) <= 0.10
    verdicts.append((m, ok, r))
    drift = control(m)
    s_med, a_med = med("satcar", m, "mean_ms"), med("ab", m, "mean_ms")
    lines.append(f"| {m} | {f(r, 2)} ({spread(mean_ratios)}) | {f(pmed(drift), 2)} ({spread(drift)}) | "
                 f"{f(pmed(versus_ab(m, 'p50_ms')), 2)} | {f(pmed(versus_ab(m, 'p90_ms')), 2)} | "
                 f"{f(pmed(versus_ab(m, 'total_mean_ms', 'mean_ms')), 2)} | "
                 f"{f(s_med / a_med if s_med is not None and a_med else None, 2)} | {'yes' if ok else 'no'} |")
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
    lines.append(f"The means agree within 10% (median of the per-round ratios) in every mode ({', '.join(agree)}).")
else:
    lines.append(f"The means agree within 10% (median of the per-round ratios) in {len(agree)} of {len(verdicts)} modes"
                 + (f" ({', '.join(agree)})" if agree else "") + f"; they do not in {', '.join(disagree)}.")
if unlike:
    lines += ["", "Not like for like: " + "; ".join(unlike) + ". With -k, ab (HTTP/1.0) keeps a connection only when "
              "the response has Content-Length; a chunked response makes the server close, so ab pays a new connection "
              "per request there while satcar (HTTP/1.1) does not."]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
}
