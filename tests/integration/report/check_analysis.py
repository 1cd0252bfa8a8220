#!/usr/bin/env python3
"""check_analysis.py -- recomputes every analysis_* function of sql/005_analysis.sql in Python from the raw
tables (questions, responses, attempts, processing_metrics, llm_errors) and compares.

usage: check_analysis.py DSN SINCE   (SINCE: ISO-8601 UTC; the period checked is [SINCE, unbounded) and an
empty one). Prints one line per check; exits 1 on the first mismatch.
"""
import csv
import datetime as dt
import io
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

DSN, SINCE_S = sys.argv[1], sys.argv[2]
checks = 0


def q(sql):
    p = subprocess.run(["psql", "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-d", DSN], input=sql,
                       capture_output=True, text=True, env=dict(os.environ, PGTZ="UTC"), timeout=120)
    if p.returncode:
        sys.exit(f"FAIL query: {p.stderr}\n{sql}")
    return list(csv.DictReader(io.StringIO(p.stdout)))


def ts(s):
    if not s:
        return None
    s = s.replace(" ", "T")
    if s.endswith("+00"):
        s += ":00"
    return dt.datetime.fromisoformat(s)


def num(s):
    return None if s in ("", None) else float(s)


def fail(what, got, want):
    sys.exit(f"FAIL {what}: got {got!r}, want {want!r}")


def eq(what, got, want, tol=None):
    global checks
    checks += 1
    if tol is None:
        if got != want:
            fail(what, got, want)
    elif (got is None) != (want is None) or (got is not None and abs(got - want) > tol):
        fail(what, got, want)


def percentile_cont(values, p):
    v = sorted(values)
    pos = p * (len(v) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def round_half_away(x, nd=0):
    """numeric round() of a double as PostgreSQL does it: the double becomes a numeric of 15 significant
    digits (float8 -> numeric), then halves go away from zero."""
    return float(Decimal(f"{x:.15g}").quantize(Decimal(1).scaleb(-nd), rounding=ROUND_HALF_UP))


SINCE = ts(SINCE_S.replace("Z", "+00:00"))
inp = lambda t: t is not None and t >= SINCE

# The unit is a run: every row is keyed "question_id#run", so runs of one question never meet.
KEY = "question_id || '#' || run AS question_id"
questions = q(f"SELECT {KEY}, status, started_at AS created_at, finished_at AS updated_at FROM runs")
responses = q(f"SELECT {KEY}, bert_score, first_score, processing_attempts, total_processing_time_ms,"
              " created_at, completed_at, persisted_at FROM responses")
attempts = q(f"SELECT {KEY}, attempt_no, bert_score, llm_started_at FROM attempts")
metrics = q(f"SELECT {KEY}, stage, duration_ms FROM processing_metrics WHERE duration_ms IS NOT NULL")
errors = q(f"SELECT {KEY}, error_type, http_status, retry_count, error_retries, delay_applied_ms,"
           " occurred_at FROM llm_errors")
att1 = {a["question_id"]: float(a["bert_score"]) for a in attempts if a["attempt_no"] == "1"}
qcreated = {r["question_id"]: ts(r["created_at"]) for r in questions}

# The period's questions, computed from the definition in docs/report.md.
completed = [r for r in responses if inp(ts(r["completed_at"]))]
failed = [r for r in questions if r["status"] == "failed" and inp(ts(r["updated_at"]))]
pending = [r for r in questions if r["status"] == "pending" and inp(ts(r["created_at"]))]
done_ids = {r["question_id"] for r in completed} | {r["question_id"] for r in failed}
first = {}
for r in completed:
    fs = num(r["first_score"])
    first[r["question_id"]] = fs if fs is not None else att1.get(r["question_id"], float(r["bert_score"]))
final = {r["question_id"]: float(r["bert_score"]) for r in completed}
nattempts = {r["question_id"]: int(r["processing_attempts"]) for r in completed}

# --- summary
s = q(f"SELECT * FROM analysis_summary('{SINCE_S}', NULL)")[0]
nc, nf = len(completed), len(failed)
eq("summary.completed", int(s["completed"]), nc)
eq("summary.failed", int(s["failed"]), nf)
eq("summary.pending", int(s["pending"]), len(pending))
eq("summary.questions", int(s["questions"]), nc + nf + len(pending))
eq("summary.success_rate", num(s["success_rate"]), nc / (nc + nf), 1e-12)
regen = [i for i in nattempts if nattempts[i] > 1]
eq("summary.regenerated", int(s["regenerated"]), len(regen))
eq("summary.share_regenerated", num(s["share_regenerated"]), len(regen) / nc, 1e-12)
calls = sum(1 for a in attempts if a["question_id"] in done_ids) + sum(1 for e in errors if e["question_id"] in done_ids)
eq("summary.llm_calls", int(s["llm_calls"]), calls)
eq("summary.llm_calls_per_question", num(s["llm_calls_per_question"]), calls / (nc + nf), 1e-12)
eq("summary.mean_first_score", num(s["mean_first_score"]), sum(first.values()) / nc, 1e-9)
eq("summary.mean_final_score", num(s["mean_final_score"]), sum(final.values()) / nc, 1e-9)
eq("summary.mean_improvement", num(s["mean_improvement"]),
   sum(final[i] - first[i] for i in regen) / len(regen) if regen else None, 1e-9)

# --- attempts distribution
want = sorted(Counter(nattempts.values()).items())
got = [(int(r["processing_attempts"]), int(r["questions"])) for r in q(f"SELECT * FROM analysis_attempts('{SINCE_S}', NULL)")]
eq("attempts distribution", got, want)

# --- score histogram (20 bins over [0,1], out-of-range scores clamped to the end bins)
binof = lambda x: min(max(math.floor(x * 20) + 1, 1), 20)
fc, lc = Counter(binof(v) for v in first.values()), Counter(binof(v) for v in final.values())
got = [(int(r["bin"]), int(r["first_count"]), int(r["final_count"]))
       for r in q(f"SELECT * FROM analysis_score_histogram('{SINCE_S}', NULL, 20)")]
eq("score histogram", got, [(b, fc[b], lc[b]) for b in range(1, 21)])

# --- throughput per minute, zero-filled between the first and the last minute
per_min = defaultdict(lambda: [0, 0])
for r in completed:
    per_min[ts(r["completed_at"]).replace(second=0, microsecond=0)][0] += 1
for r in failed:
    per_min[ts(r["updated_at"]).replace(second=0, microsecond=0)][1] += 1
lo, hi = min(per_min), max(per_min)
want, m = [], lo
while m <= hi:
    want.append((m, per_min[m][0], per_min[m][1]))
    m += dt.timedelta(minutes=1)
got = [(ts(r["minute"]), int(r["completed"]), int(r["failed"])) for r in q(f"SELECT * FROM analysis_throughput('{SINCE_S}', NULL)")]
eq("throughput per minute", got, want)

# --- regeneration per hour
per_h = defaultdict(lambda: [0, 0])
for r in completed:
    h = ts(r["completed_at"]).replace(minute=0, second=0, microsecond=0)
    per_h[h][0] += 1
    per_h[h][1] += int(r["processing_attempts"]) > 1
got = [(ts(r["hour"]), int(r["completed"]), int(r["regenerated"]), num(r["rate"]))
       for r in q(f"SELECT * FROM analysis_regeneration_per_hour('{SINCE_S}', NULL)")]
want = [(h, c, g, g / c) for h, (c, g) in sorted(per_h.items())]
eq("regeneration per hour (hours)", [g[:3] for g in got], [w[:3] for w in want])
for g, w in zip(got, want):
    eq(f"regeneration rate {w[0]}", g[3], w[3], 1e-12)

# --- errors by type
errs = [e for e in errors if inp(ts(e["occurred_at"]))]
groups = defaultdict(list)
for e in errs:
    groups[(e["error_type"], int(e["http_status"]) if e["http_status"] else None)].append(e)
got = {(r["error_type"], int(r["http_status"]) if r["http_status"] else None):
       (int(r["occurrences"]), int(r["questions"]), float(r["percentage"]), num(r["avg_delay_ms"]))
       for r in q(f"SELECT * FROM analysis_errors('{SINCE_S}', NULL)")}
eq("errors: kinds", sorted(got, key=str), sorted(groups, key=str))
for k, es in groups.items():
    delays = [int(e["delay_applied_ms"]) for e in es if e["delay_applied_ms"]]
    eq(f"errors {k} occurrences", got[k][0], len(es))
    eq(f"errors {k} questions", got[k][1], len({e['question_id'] for e in es}))
    eq(f"errors {k} percentage", got[k][2], round_half_away(100 * len(es) / len(errs), 2), 1e-9)
    eq(f"errors {k} avg_delay_ms", got[k][3], round_half_away(sum(delays) / len(delays)) if delays else None, 1e-9)

# --- retry delays: the next LLM call of the attempt after each overload/quota error
started = {(a["question_id"], int(a["attempt_no"])): ts(a["llm_started_at"]) for a in attempts}
by_key = {(e["question_id"], int(e["retry_count"]), int(e["error_retries"])): ts(e["occurred_at"]) for e in errors}
rd = defaultdict(list)
for e in errs:
    if e["error_type"] not in ("overload", "quota"):
        continue
    qid, rc, n = e["question_id"], int(e["retry_count"]), int(e["error_retries"])
    nxt = by_key.get((qid, rc, n + 1)) or started.get((qid, rc + 1))
    obs = round_half_away((nxt - ts(e["occurred_at"])).total_seconds() * 1000) if nxt else None
    rd[(e["error_type"], n)].append((num(e["delay_applied_ms"]), obs))
got = {(r["error_type"], int(r["error_retries"])): r for r in q(f"SELECT * FROM analysis_retry_delays('{SINCE_S}', NULL)")}
eq("retry delays: keys", sorted(got), sorted(rd))
for (t, n), v in rd.items():
    r = got[(t, n)]
    eq(f"retry {t} n={n} samples", int(r["samples"]), len(v))
    eq(f"retry {t} n={n} formula_ms", int(r["formula_ms"]), 1000 * 2 ** n if t == "overload" else 60000)
    app = [a for a, _ in v if a is not None]
    eq(f"retry {t} n={n} applied_avg_ms", num(r["applied_avg_ms"]),
       round_half_away(sum(app) / len(app)) if app else None, 1e-9)
    obs = [o for _, o in v if o is not None]
    eq(f"retry {t} n={n} observed_samples", int(r["observed_samples"]), len(obs))
    eq(f"retry {t} n={n} observed_max_ms", num(r["observed_max_ms"]), max(obs) if obs else None, 1e-9)

# --- latency per stage (processing_metrics of the period's finished questions, plus both end-to-end)
samples = defaultdict(list)
for m_ in metrics:
    if m_["question_id"] in done_ids:
        samples[m_["stage"]].append(float(m_["duration_ms"]))
for r in completed:
    if r["total_processing_time_ms"] is not None and r["total_processing_time_ms"] != "":
        samples["end_to_end_produced"].append(float(r["total_processing_time_ms"]))
    created = ts(r["created_at"]) or qcreated.get(r["question_id"])
    samples["end_to_end_persisted"].append(
        max(0.0, round_half_away((ts(r["persisted_at"]) - created).total_seconds() * 1000)))
got = {r["stage"]: r for r in q(f"SELECT * FROM analysis_latency('{SINCE_S}', NULL)")}
stages = ["queue", "retry_wait", "llm", "scoring", "persistence", "end_to_end_produced", "end_to_end_persisted"]
eq("latency stages", list(got), stages)
for st in stages:
    v, r = samples.get(st, []), got[st]
    eq(f"latency {st} samples", int(r["samples"]), len(v))
    if not v:
        eq(f"latency {st} p50 (none)", num(r["p50_ms"]), None)
        continue
    for col, p in (("p50_ms", 0.5), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        eq(f"latency {st} {col}", num(r[col]), round_half_away(percentile_cont(v, p), 1), 0.051)
    eq(f"latency {st} avg_ms", num(r["avg_ms"]), round_half_away(sum(v) / len(v), 1), 0.051)
    eq(f"latency {st} max_ms", num(r["max_ms"]), max(v))
e2e = {r["question_id"]: ts(r["persisted_at"]) for r in completed}
eq("every completed response has persisted_at", all(e2e.values()), True)

# --- the all-time views are the functions over all time; an empty period has nothing
for view, fn in (("success_rate", "SELECT completed, failed, success_rate FROM analysis_summary(NULL, NULL)"),
                 ("throughput_per_minute", "SELECT * FROM analysis_throughput(NULL, NULL)"),
                 ("regenerations_per_hour", "SELECT * FROM analysis_regeneration_per_hour(NULL, NULL)")):
    eq(f"view {view}", q(f"SELECT * FROM {view}"), q(fn))
empty = q(f"SELECT * FROM analysis_summary('{SINCE_S}', '{SINCE_S}')")[0]
eq("empty period: questions", int(empty["questions"]), 0)
eq("empty period: success_rate", empty["success_rate"], "")
eq("empty period: throughput rows", len(q(f"SELECT * FROM analysis_throughput('{SINCE_S}', '{SINCE_S}')")), 0)
print(f"ok  {checks} checks of the analysis functions against the raw tables")
