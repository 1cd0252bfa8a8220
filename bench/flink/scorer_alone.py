#!/usr/bin/env python3
"""bench/flink/scorer_alone.py: the scorer's own capacity: the bench's pairs, one pair per request, C requests in flight."""
import http.client
import json
import sys
import threading
import time


def main():
    port, conc, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    bodies = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = json.loads(line.split("\t", 1)[1])
            bodies.append(json.dumps({"pairs": [{"candidate": m["llm_response"], "reference": m["original_answer"]}]}))
    nxt = [0]
    lock = threading.Lock()
    errors = [0]

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(bodies):
                return
            while True:
                try:
                    c.request("POST", "/score", bodies[i], {"Content-Type": "application/json"})
                    r = c.getresponse()
                    r.read()
                    if r.status == 200:
                        break
                except (OSError, http.client.HTTPException):
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                with lock:
                    errors[0] += 1  # retried, like the job does

    t0 = time.time()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.time() - t0
    print("scorer_alone pairs=%d concurrency=%d seconds=%.2f pairs_per_s=%.1f errors=%d"
          % (len(bodies), conc, dt, len(bodies) / dt, errors[0]))


if __name__ == "__main__":
    main()
