"""Turns raw benchmark rows into the report: medians over rounds, added latency and ratios.

Input rows (JSON lines): {"round", "target", "mean_ms", "p50_ms", "p99_ms", "rps", "failed", "non2xx"}.
Usage: report.py ROWS.jsonl FACTS.txt TITLE PAIRS OUT.md
PAIRS is "target:baseline,target:baseline": each target's added latency over its baseline.
"""
import json
import statistics
import sys

rows_file, facts_file, title, pairs, out = sys.argv[1:6]
rows = [json.loads(line) for line in open(rows_file) if line.strip()]
targets = list(dict.fromkeys(r["target"] for r in rows))


def med(target, field):
    values = [r[field] for r in rows if r["target"] == target and r.get(field) is not None]
    return statistics.median(values) if values else None


def spread(target, field):
    values = [r[field] for r in rows if r["target"] == target and r.get(field) is not None]
    return f"{min(values):.3f}–{max(values):.3f}" if values else "-"


def fmt(value, digits=3):
    return "-" if value is None else f"{value:.{digits}f}"


lines = [f"# {title}", "", "Machine and tools:", "", "```", open(facts_file).read().strip(), "```", ""]
rounds = max(r["round"] for r in rows)
lines += [f"Medians over {rounds} interleaved rounds (min–max of the round means in brackets).", ""]
lines += ["| target | mean ms | p50 ms | p99 ms | req/s | failed | non-2xx |", "|---|---|---|---|---|---|---|"]
for t in targets:
    failed = sum(r.get("failed", 0) for r in rows if r["target"] == t)
    non2xx = sum(r.get("non2xx", 0) for r in rows if r["target"] == t)
    lines.append(f"| {t} | {fmt(med(t, 'mean_ms'))} ({spread(t, 'mean_ms')}) | {fmt(med(t, 'p50_ms'))} | "
                 f"{fmt(med(t, 'p99_ms'))} | {fmt(med(t, 'rps'), 0)} | {failed} | {non2xx} |")
lines += ["", "| target | baseline | added mean ms | added p50 ms | added p99 ms | mean ratio |", "|---|---|---|---|---|---|"]
for pair in pairs.split(","):
    target, base = pair.split(":")
    added = [med(target, f) - med(base, f) if med(target, f) is not None and med(base, f) is not None else None
             for f in ("mean_ms", "p50_ms", "p99_ms")]
    ratio = med(target, "mean_ms") / med(base, "mean_ms") if med(base, "mean_ms") else None
    lines.append(f"| {target} | {base} | {fmt(added[0])} | {fmt(added[1])} | {fmt(added[2])} | {fmt(ratio, 2)}× |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
