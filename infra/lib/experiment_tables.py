#!/usr/bin/env python3
"""experiment_tables.py: the tables (Markdown + CSV, printed too) and charts (gnuplot PNG + SVG) of ./qaflow experiment.

Every number comes from the measured files of one run (qaflow-traffic JSON summaries, per-second CPU
samples, psql CSV output); nothing is typed in. Usage (called by infra/lib/experiment.sh):
  experiment_tables.py sync-vs-async --raw DIR --out DIR [--llm M --rate R --seconds S --workers N --faults TEXT]
  experiment_tables.py cache --raw DIR --out DIR [--zipf-s S ...]
  experiment_tables.py threshold --raw DIR --out DIR --gain-share F
"""
import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys


def machine_line():
    """Where and when: the machine is shared, so the load average goes with every table."""
    load = os.getloadavg()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{now}, {platform.node()}, {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} "
            f"{load[2]:.2f} at the end (a shared machine: timings are indicative)")


def write_table(out, name, title, notes, header, rows):
    """NAME.md (title, notes, table) and NAME.csv into out; the Markdown is printed too."""
    os.makedirs(out, exist_ok=True)
    md = [f"# {title}", ""] + [f"{n}  " for n in notes] + [""]
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "---|" * len(header))
    for r in rows:
        md.append("| " + " | ".join(str(c) for c in r) + " |")
    text = "\n".join(md) + "\n"
    with open(os.path.join(out, name + ".md"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, name + ".csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    print(text)
    print(f"written: {os.path.join(out, name + '.md')}, {name}.csv")


def gnuplot(out, name, script):
    """NAME.png and NAME.svg from one gnuplot script body (terminal and output are set here)."""
    for term, ext in (("pngcairo size 900,560", "png"), ("svg size 900,560", "svg")):
        path = os.path.join(out, f"{name}.{ext}")
        body = f"set terminal {term}\nset output '{path}'\n{script}\n"
        subprocess.run(["gnuplot"], input=body.encode(), check=True)
    print(f"written: {os.path.join(out, name + '.png')}, {name}.svg")


def fmt(v, unit="", nd=0):
    if v is None:
        return "n/a"
    return f"{v:.{nd}f}{unit}"


def cpu_stats(path):
    vals = []
    if os.path.exists(path):
        with open(path) as f:
            vals = [float(line.split()[1]) for line in f if len(line.split()) == 2]
    if not vals:
        return None, None
    return sum(vals) / len(vals), max(vals)


def change(a, b, kind):
    """b against a: relative change in %, or percentage points for rates."""
    if a is None or b is None:
        return "n/a"
    if kind == "pp":
        return f"{(b - a) * 100:+.1f} pp"
    if a == 0:
        return "n/a"
    return f"{(b - a) / a * 100:+.0f} %"


def sync_vs_async(a):
    rows = []
    phases = [p for p in ("nofaults", "faults") if os.path.exists(os.path.join(a.raw, f"{p}-async.json"))]
    for phase in phases:
        s = {}
        for mode in ("sync", "async"):
            with open(os.path.join(a.raw, f"{phase}-{mode}.json")) as f:
                j = json.load(f)
            cpu_mean, cpu_max = cpu_stats(os.path.join(a.raw, f"{phase}-{mode}.cpu"))
            lost = j["sent"] - j["completed"]
            s[mode] = {
                "e2e50": j["latency_e2e_ms"]["p50"], "e2e95": j["latency_e2e_ms"]["p95"],
                "user50": j["latency_post_ms"]["p50"], "user95": j["latency_post_ms"]["p95"],
                "tput": j["completed"] / j["duration_s"] if j["duration_s"] > 0 else None,
                "success": j["completed"] / j["sent"] if j["sent"] else None,
                "lost": lost, "rejected": j["rejected"], "failed": j["failed"], "timed_out": j["timed_out"],
                "cpu": cpu_mean, "cpumax": cpu_max, "late": j["late_sends"], "sent": j["sent"],
            }
        label = "without faults" if phase == "nofaults" else f"with LLM faults ({a.faults})"
        y, x = s["sync"], s["async"]
        rows += [
            [label, "end-to-end latency p50 (ms)", fmt(y["e2e50"]), fmt(x["e2e50"]), change(y["e2e50"], x["e2e50"], "rel")],
            [label, "end-to-end latency p95 (ms)", fmt(y["e2e95"]), fmt(x["e2e95"]), change(y["e2e95"], x["e2e95"], "rel")],
            [label, "latency the user perceives p50 (ms): 200 (sync) / 202 (async)", fmt(y["user50"]),
             fmt(x["user50"]), change(y["user50"], x["user50"], "rel")],
            [label, "latency the user perceives p95 (ms)", fmt(y["user95"]), fmt(x["user95"]),
             change(y["user95"], x["user95"], "rel")],
            [label, "throughput (answers/s over the run)", fmt(y["tput"], nd=2), fmt(x["tput"], nd=2),
             change(y["tput"], x["tput"], "rel")],
            [label, "success rate", fmt(y["success"] * 100 if y["success"] is not None else None, " %", 1),
             fmt(x["success"] * 100 if x["success"] is not None else None, " %", 1),
             change(y["success"], x["success"], "pp")],
            [label, "not answered (503 pool full / failed / timed out)",
             f'{y["lost"]} ({y["rejected"]} / {y["failed"]} / {y["timed_out"]})',
             f'{x["lost"]} ({x["rejected"]} / {x["failed"]} / {x["timed_out"]})', ""],
            [label, "CPU utilisation of the machine, mean (max)", f'{fmt(y["cpu"], " %")} ({fmt(y["cpumax"], " %")})',
             f'{fmt(x["cpu"], " %")} ({fmt(x["cpumax"], " %")})', ""],
            [label, "sends that left late (client side)", y["late"], x["late"], ""],
        ]
    notes = [
        f"Measured by `./qaflow experiment sync-vs-async --rate {a.rate} --seconds {a.seconds} --llm {a.llm}`: "
        f"the same questions at the same Poisson arrival times to both modes; sync pool {a.workers} workers.",
        "Latencies from each request's scheduled send time; async end-to-end = until a poll (every 200 ms) sees "
        "the answer persisted; sync end-to-end = the 200 with the stored answer.",
        machine_line(),
    ]
    write_table(a.out, "sync-vs-async", "Synchronous (Tarea 1) against asynchronous (Tarea 2), measured", notes,
                ["phase", "metric", "Tarea 1 (sync)", "Tarea 2 (async)", "change"], rows)


def read_kv(path, sep):
    out = {}
    with open(path) as f:
        for line in f:
            if sep in line:
                k, v = line.strip().split(sep, 1)
                out[k.strip()] = v.strip()
    return out


def cache(a):
    sizes = read_kv(os.path.join(a.raw, "sizes.txt"), " ")
    n = int(sizes["questions"])
    zipf_s = float(a.zipf_s)
    weights = [(i + 1) ** -zipf_s for i in range(n)]
    total = sum(weights)
    pcts = sorted({int(f.split("-")[-1].split(".")[0]) for f in os.listdir(a.raw)
                   if f.startswith("allkeys-") and f.endswith(".json")})
    rows, data = [], []
    for pct in pcts:
        r = {}
        for pol in ("lru", "lfu"):
            with open(os.path.join(a.raw, f"allkeys-{pol}-{pct}.json")) as f:
                j = json.load(f)
            red = read_kv(os.path.join(a.raw, f"allkeys-{pol}-{pct}.redis"), ":")
            served = j["served_from_cache"] + j["served_from_database"]
            r[pol] = (j["served_from_cache"] / served if served else None, int(red.get("evicted_keys", 0)),
                      int(red["maxmemory"]))
        k = n * pct // 100
        bound = sum(weights[:k]) / total
        data.append((pct, r["lru"][0], r["lfu"][0], bound))
        rows.append([f"{pct} %", k, r["lru"][2], fmt(r["lru"][0] * 100, " %", 1), fmt(r["lfu"][0] * 100, " %", 1),
                     fmt(bound * 100, " %", 1), r["lru"][1], r["lfu"][1]])
    notes = [
        f"Measured by `./qaflow experiment cache`: {n} answered questions, {a.sends} requests per run drawn "
        f"Zipf(s = {zipf_s}) by qaflow-traffic, served by qaflow-storage's cache-aside path (in-process cache off) "
        "over a Redis whose maxmemory holds the given share of all cached results.",
        "Hit rate = requests served from Redis / requests served (the rest from PostgreSQL, then cached). "
        "Top-k: the share of requests a cache that always held the k most asked questions would serve (k from "
        "the mean size of a cached result; Redis's own overhead makes the number of keys it really holds vary).",
        machine_line(),
    ]
    write_table(a.out, "cache", "Redis allkeys-lru against allkeys-lfu under Zipf traffic", notes,
                ["cache holds", "results (k)", "maxmemory (bytes)", "LRU hit rate", "LFU hit rate",
                 "top-k", "LRU evictions", "LFU evictions"], rows)
    dat = os.path.join(a.raw, "cache.dat")
    with open(dat, "w") as f:
        for d in data:
            f.write(" ".join("nan" if v is None else str(v) for v in d) + "\n")
    gnuplot(a.out, "cache", f"""set title 'Cache hit rate under Zipf(s={zipf_s}) traffic, {n} questions'
set xlabel 'cache size (% of all results)'
set ylabel 'hit rate'
set yrange [0:1]
set key bottom right
set grid
plot '{dat}' using 1:2 with linespoints title 'allkeys-lru', \
     '' using 1:3 with linespoints title 'allkeys-lfu', \
     '' using 1:4 with lines dashtype 2 title 'top-k (static, most asked)'""")


def threshold(a):
    with open(os.path.join(a.raw, "sweep.csv"), newline="") as f:
        sweep = list(csv.DictReader(f))
    scores = {}
    with open(os.path.join(a.raw, "scores.csv"), newline="") as f:
        for q, _, sc in csv.reader(f):
            scores.setdefault(q, []).append(float(sc))
    if not sweep:
        raise SystemExit("threshold: no question has every attempt scored")
    with open(os.path.join(a.raw, "calibration.json")) as f:
        dataset = json.load(f)["dataset"]
    cap1 = max(len(v) for v in scores.values())
    full = [v for v in scores.values() if len(v) == cap1]
    best = sum(max(v) for v in full) / len(full)
    first = float(sweep[0]["mean_first_score"])
    rows, data, rec = [], [], None
    for r in sweep:
        t, final = float(r["threshold"]), float(r["mean_final_score"])
        share = (final - first) / (best - first) if best > first else 1.0
        if rec is None and share >= a.gain_share:
            rec = t
        data.append((t, float(r["mean_attempts"]), final - first))
        rows.append([f"{t:.2f}", f"{float(r['regeneration_rate']) * 100:.0f} %", r["mean_attempts"],
                     f"{float(r['accepted_below_rate']) * 100:.0f} %", f"{first:.3f}", f"{final:.3f}",
                     f"{share * 100:.0f} %"])
    if rec is None:
        rec = float(sweep[-1]["threshold"])
    for row in rows:
        if float(row[0]) == rec:
            row[0] = f"**{row[0]}**"
    rule = (f"Recommended threshold: the smallest one whose mean final score reaches {a.gain_share * 100:.0f} % of "
            f"the gain that {cap1} attempts can buy (best of {cap1} = {best:.3f}, first = {first:.3f}): {rec:.2f}")
    if best <= first:
        rule += " (regeneration buys nothing on this data: every threshold reaches the whole gain, the lowest is cheapest)"
    notes = [
        f"Measured by `./qaflow experiment threshold`: {len(full)} questions of {dataset}, each answered "
        f"{cap1} times by the LLM (POST /query?mode=sync&attempts=all: the worker's prompt and per-attempt seeds, "
        "the question text exactly as a user sends it) and every answer scored by qaflow-scorer; the ScoreJob's "
        "routing replayed for each threshold by bench/flink/threshold.sql.",
        "share of the possible gain = (final - first) / (best of all attempts - first).",
        rule,
        machine_line(),
    ]
    write_table(a.out, "threshold", "Choosing the threshold on this data", notes,
                ["threshold", "regenerated", "LLM calls / question", "accepted below", "mean first score",
                 "mean final score", "share of the possible gain"], rows)
    with open(os.path.join(a.raw, "recommended"), "w") as f:
        f.write(f"{rec:.2f}\n")
    dat = os.path.join(a.raw, "threshold.dat")
    with open(dat, "w") as f:
        for d in data:
            f.write(f"{d[0]:.2f} {d[1]} {d[2]}\n")
    gnuplot(a.out, "threshold", f"""set title 'Score gain against LLM calls per question (labels: threshold)'
set xlabel 'LLM calls per question'
set ylabel 'mean final score - mean first score'
set grid
set key off
set offsets 0.05, 0.3, graph 0.1, graph 0.02
plot '{dat}' using 2:3 with linespoints pointtype 7, '' using 2:3:1 with labels offset 1.5,0.8 font ',8'""")
    print(rule)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("experiment", choices=["sync-vs-async", "cache", "threshold"])
    p.add_argument("--raw", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--llm", default="")
    p.add_argument("--rate", default="")
    p.add_argument("--seconds", default="")
    p.add_argument("--workers", default="")
    p.add_argument("--faults", default="")
    p.add_argument("--zipf-s", default="")
    p.add_argument("--sends", default="")
    p.add_argument("--gain-share", type=float, default=0.85)
    a = p.parse_args()
    {"sync-vs-async": sync_vs_async, "cache": cache, "threshold": threshold}[a.experiment](a)


if __name__ == "__main__":
    sys.exit(main())
