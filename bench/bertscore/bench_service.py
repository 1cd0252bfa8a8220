#!/usr/bin/env python3
"""bench_service.py -- qaflow-scorer pairs/s over HTTP: one pair per request in sequence ("single"),
64 pairs per request ("batch"), or one pair per request from 16 concurrent clients ("concurrent")."""
import http.client
import json
import sys
import threading
import time

port, cands_f, refs_f, mode, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
cands = open(cands_f).read().split("\n")[:n]
refs = open(refs_f).read().split("\n")[:n]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)


def score(cs, rs, conn=conn):
    body = json.dumps({"pairs": [{"candidate": c, "reference": r} for c, r in zip(cs, rs)]})
    conn.request("POST", "/score", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        sys.exit(f"HTTP {resp.status}: {data[:200]}")
    return [x["f1"] for x in json.loads(data)["results"]]


score(cands[:1], refs[:1])
t0 = time.perf_counter()
out = []
if mode == "concurrent":
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
print(f"qaflow-scorer {mode} pairs={n} seconds={dt:.3f} pairs_per_s={n / dt:.2f} meanF={sum(out) / len(out):.6f}")
