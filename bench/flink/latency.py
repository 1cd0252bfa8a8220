#!/usr/bin/env python3
"""bench/flink/latency.py: per-stage latency of validated-responses messages (stdin: JSON lines) of one run."""
import json
import sys
from datetime import datetime


def ms(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000.0


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def main():
    prefix = sys.argv[1]
    seen, score, route, total = set(), [], [], []
    for line in sys.stdin:
        m = json.loads(line)
        if not m["question_id"].startswith(prefix) or m["question_id"] in seen:
            continue
        seen.add(m["question_id"])
        a, b, c = ms(m["llm_finished_at"]), ms(m["scored_at"]), ms(m["timestamp"])
        score.append(b - a)
        route.append(c - b)
        total.append(c - a)
    print("messages=%d" % len(seen))
    for name, v in (("kafka+queue+scoring (llm_finished_at->scored_at)", score),
                    ("routing+sink (scored_at->timestamp)", route), ("through the job", total)):
        if v:
            print("%-50s p50=%7.1f ms  p99=%7.1f ms  max=%7.1f ms" % (name, pct(v, 50), pct(v, 99), max(v)))


if __name__ == "__main__":
    main()
