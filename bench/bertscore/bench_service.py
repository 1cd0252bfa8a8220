#!/usr/bin/env python3
"""bench_service.py -- qaflow-scorer pairs/s over HTTP: one pair per request in sequence ("single"),
64 pairs per request ("batch"), one pair per request from 16 concurrent clients ("concurrent"), or
"regen": the concurrent case on a regenerating workload (n references, each scored against 4
candidates: reference i against candidate lines 4i..4i+3, attempt k of every reference before
attempt k+1), which reads the scorer's reference-cache counters before and after."""
import http.client
import json
import sys
import threading
import time

port, cands_f, refs_f, mode, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
cands = open(cands_f).read().split("\n")[:n * 4 if mode == "regen" else n]
refs = open(refs_f).read().split("\n")[:n]
if mode == "regen":  # pair j = attempt j // n of reference j % n
    cands, refs = [cands[(j % n) * 4 + j // n] for j in range(4 * n)], [refs[j % n] for j in range(4 * n)]
    n = 4 * n
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)


def score(cs, rs, conn=conn):
    body = json.dumps({"pairs": [{"candidate": c, "reference": r} for c, r in zip(cs, rs)]})
    conn.request("POST", "/score", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        sys.exit(f"HTTP {resp.status}: {data[:200]}")
    return [x["f1"] for x in json.loads(data)["results"]]


def cache_counters():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    get = lambda name: sum(float(l.split()[1]) for l in text.splitlines() if l.startswith(name + " "))
    return get("qaflow_scorer_reference_cache_hits_total"), get("qaflow_scorer_reference_cache_misses_total")


score(["warm-up"], ["warm-up"])
h0, m0 = cache_counters()
t0 = time.perf_counter()
out = []
if mode in ("concurrent", "regen"):
    clients = 16
    res = [None] * n

    def client(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        for i in range(k, n, clients):
            res[i] = score(cands[i:i + 1], refs[i:i + 1], c)[0]

    ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out = res
else:
    step = 1 if mode == "single" else 64
    for i in range(0, n, step):
        out += score(cands[i:i + step], refs[i:i + step])
dt = time.perf_counter() - t0
h1, m1 = cache_counters()
print(f"qaflow-scorer {mode} pairs={n} seconds={dt:.3f} pairs_per_s={n / dt:.2f} meanF={sum(out) / len(out):.6f}"
      f" cache_hits={h1 - h0:.0f} cache_misses={m1 - m0:.0f}")
