#!/usr/bin/env python3
"""bench/flink/gen.py: llm-responses-success messages (key<TAB>json lines) from the Yahoo-format sample, for the ScoreJob bench."""
import csv
import json
import sys
import time


def main():
    path, n, run = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0  # messages/s; 0 = as fast as possible
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.reader(f):
            if len(r) == 4 and r[3].strip():
                rows.append((r[1], r[3].replace("\\n", "\n")))
    if not rows:
        sys.exit("no rows in " + path)
    t0 = time.time()
    for i in range(n):
        if rate > 0:
            delay = t0 + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
        t = time.time()
        now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)
        q, a = rows[i % len(rows)]
        words = a.split()
        # a plausible LLM answer: the reference with every third word dropped, rotated per message
        cand = " ".join(w for j, w in enumerate(words) if (j + i) % 3) or a
        qid = "%s-%06d" % (run, i)
        msg = {"question_id": qid, "question_text": q, "llm_response": cand, "original_answer": a,
               "retry_count": 0, "response_time_ms": 1, "timestamp": now, "error_retries": 0,
               "created_at": now, "llm_started_at": now, "llm_finished_at": now, "model": "bench"}
        sys.stdout.write(qid + "\t" + json.dumps(msg) + "\n")
        if rate > 0:
            sys.stdout.flush()


if __name__ == "__main__":
    main()
