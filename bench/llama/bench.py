#!/usr/bin/env python3
"""bench.py -- answers/s and tokens/s of an OpenAI-compatible LLM server (llama-server) on qaflow's prompt.

Sends questions from dataset/sample.csv to POST /v1/completions with the prompt qaflow-llm-worker
sends (asked from the worker itself: `qaflow-llm-worker --print-prompt QUESTION`), `concurrency` requests at a time, and prints one JSON line with throughput and latency figures.
Standard library only.
"""
import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

def worker_prompt(worker, question):
    """The prompt qaflow-llm-worker sends for QUESTION (its --print-prompt, default template)."""
    out = subprocess.run([worker, "--print-prompt", question], check=True, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, timeout=30)
    return out.stdout.decode("utf-8")


def load_questions(path, n):
    if path.endswith(".jsonl"):  # one JSON string per line: exact question texts (bench/pipeline/run_llm.sh)
        with open(path, encoding="utf-8") as f:
            qs = [json.loads(l) for l in f if l.strip()]
        return [qs[i % len(qs)] for i in range(n)] if qs else []  # cycled when n is larger
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            if len(row) >= 2 and row[1].strip():
                out.append(row[1].strip())
            if len(out) >= n:
                break
    return out


def ask(url, model, prompt, seed, max_tokens, timeout, temperature=0.7):
    body = json.dumps({
        "model": model, "prompt": prompt,
        "max_tokens": max_tokens, "temperature": temperature, "seed": seed, "stop": ["\nQuestion:"],
    }).encode()
    req = urllib.request.Request(url + "/v1/completions", data=body,
                                 headers={"Content-Type": "application/json"})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=timeout) as r:
        reply = json.load(r)
    dt = time.monotonic() - t0
    usage = reply.get("usage", {})
    timings = reply.get("timings", {})
    text = reply["choices"][0].get("text", "")
    cached = timings.get("cache_n")
    if cached is None:
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0)
    return {
        "cached_tokens": cached or 0,
        "seconds": dt,
        "prompt_tokens": usage.get("prompt_tokens", 0),
        "completion_tokens": usage.get("completion_tokens", 0),
        "gen_tps": timings.get("predicted_per_second"),
        "prompt_tps": timings.get("prompt_per_second"),
        "empty": not text.strip(),
        "answer": text.strip(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", default="http://127.0.0.1:8090")
    ap.add_argument("--model", default="gemma-3-270m")
    ap.add_argument("--questions", default="dataset/sample.csv",
                    help="a Yahoo! Answers CSV (the titles), or a .jsonl file of question texts")
    ap.add_argument("-n", type=int, default=20, help="questions to send")
    ap.add_argument("-c", "--concurrency", type=int, default=1)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--temperature", type=float, default=0.7, help="the worker's default")
    ap.add_argument("--worker", default="build/bin/qaflow-llm-worker",
                    help="qaflow-llm-worker binary whose prompt is sent")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--show", type=int, default=2, help="answers to print on stderr")
    ap.add_argument("--settings", default="", help="label copied into the output line")
    a = ap.parse_args()

    qs = load_questions(a.questions, a.n)
    if not qs:
        sys.exit("no questions in " + a.questions)
    prompts = [worker_prompt(a.worker, q) for q in qs]
    ask(a.url, a.model, worker_prompt(a.worker, "What is water?"), 1, 8, a.timeout)  # warm-up, not measured
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=a.concurrency) as ex:
        res = list(ex.map(lambda ip: ask(a.url, a.model, ip[1], 1000 + ip[0], a.max_tokens, a.timeout, a.temperature),
                          enumerate(prompts)))
    wall = time.monotonic() - t0
    for q, r in list(zip(qs, res))[: a.show]:
        print(f"Q: {q}\nA: {r['answer']}\n", file=sys.stderr)
    lat = sorted(r["seconds"] for r in res)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]  # nearest rank
    comp = sum(r["completion_tokens"] for r in res)
    prompt = sum(r["prompt_tokens"] for r in res)
    gen = [r["gen_tps"] for r in res if r["gen_tps"]]
    ptps = [r["prompt_tps"] for r in res if r["prompt_tps"]]
    cached = sum(r["cached_tokens"] for r in res)
    print(json.dumps({
        "settings": a.settings,
        "questions": len(res), "concurrency": a.concurrency, "max_tokens": a.max_tokens,
        "wall_s": round(wall, 2),
        "answers_per_s": round(len(res) / wall, 3),
        "completion_tokens_per_s": round(comp / wall, 1),
        "prompt_tokens_per_s": round(prompt / wall, 1),
        "mean_completion_tokens": round(comp / len(res), 1),
        "mean_prompt_tokens": round(prompt / len(res), 1),
        "server_gen_tokens_per_s_mean": round(statistics.mean(gen), 1) if gen else None,
        "server_prompt_tokens_per_s_mean": round(statistics.mean(ptps), 1) if ptps else None,
        "prompt_tokens_cached_share": round(cached / prompt, 3) if prompt else None,
        "latency_p50_s": round(pct(0.50), 2),
        "latency_p99_s": round(pct(0.99), 2),
        "latency_max_s": round(lat[-1], 2),
        "empty_answers": sum(r["empty"] for r in res),
    }))


if __name__ == "__main__":
    main()
