#!/usr/bin/env python3
"""bench.py -- tokenizer throughput: qaflow's C tokenizer vs Hugging Face BertTokenizer (slow and fast), same texts, one run.

Usage (needs transformers; 4.x gives the slow Python BertTokenizer bert-score uses):
    cmake --build build-tokenizer --target tokenizer_bench
    /tmp/tokvenv/bin/python bench/tokenizer/bench.py [--bin build-tokenizer/bench/tokenizer/tokenizer_bench]

Texts: every question and answer of dataset/sample.csv (real Yahoo!-Answers-style lengths,
20-200 words), or with --texts fixture the golden fixture's multilingual strings, tokenized with truncation to 512 as bert-score does. Prints a Markdown
table (texts/s, tokens/s, us/text, speed-up over the slow tokenizer) and checks that the C
tokenizer produced the slow tokenizer's ids (exit 1 otherwise).
"""
import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load_texts(which):
    if which == "fixture":
        path = os.path.join(ROOT, "tests", "fixtures", "bertscore", "tokens.jsonl")
        with open(path, encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in f if line.strip()]
    out = []
    with open(os.path.join(ROOT, "dataset", "sample.csv"), newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            for cell in row[1:]:
                if cell.strip():
                    out.append(cell)
    return out


def timed(fn, min_seconds):
    """Runs fn() repeatedly for at least min_seconds; returns (seconds per call, last result)."""
    n = 0
    start = time.perf_counter()
    while True:
        res = fn()
        n += 1
        el = time.perf_counter() - start
        if el >= min_seconds:
            return el / n, res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-tokenizer", "bench", "tokenizer",
                                                  "tokenizer_bench"))
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "var", "models", "all-MiniLM-L6-v2"))
    ap.add_argument("--texts", choices=["dataset", "fixture"], default="dataset",
                    help="dataset: dataset/sample.csv; fixture: the multilingual golden fixture strings")
    ap.add_argument("--seconds", type=float, default=5.0, help="minimum time per implementation")
    args = ap.parse_args()

    import transformers
    major = int(transformers.__version__.split(".")[0])
    if major >= 5:
        from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy as Slow
    else:
        from transformers import BertTokenizer as Slow
    from transformers import BertTokenizerFast

    texts = load_texts(args.texts)
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    slow = Slow.from_pretrained(args.model_dir)
    fast = BertTokenizerFast.from_pretrained(args.model_dir)
    enc = dict(add_special_tokens=True, truncation=True, max_length=512)

    rows = []
    per, ids_slow = timed(lambda: [slow.encode(t, **enc) for t in texts], args.seconds)
    ntok = sum(len(x) for x in ids_slow)
    rows.append(("HF BertTokenizer (slow, Python), one text per call", per))
    per, ids_fast = timed(lambda: [fast.encode(t, **enc) for t in texts], args.seconds)
    rows.append(("HF BertTokenizerFast (Rust), one text per call", per))
    per, batch = timed(lambda: fast(texts, **enc)["input_ids"], args.seconds)
    rows.append(("HF BertTokenizerFast (Rust), whole batch per call", per))

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        path = f.name
    dump = subprocess.run([args.bin, "--model-dir", args.model_dir, "--dump", path],
                          check=True, capture_output=True, text=True).stdout.splitlines()
    ids_c = [[int(x) for x in line.split()] for line in dump]
    # Enough passes for >= args.seconds: calibrate with one pass.
    one = json.loads(subprocess.run([args.bin, "--model-dir", args.model_dir, "--repeat", "1", path],
                                    check=True, capture_output=True, text=True).stdout)
    repeat = max(1, int(args.seconds / max(one["seconds"], 1e-6)))
    res = json.loads(subprocess.run([args.bin, "--model-dir", args.model_dir, "--repeat", str(repeat), path],
                                    check=True, capture_output=True, text=True).stdout)
    rows.append(("qaflow C tokenizer, one text per call", res["seconds"] / repeat))
    os.unlink(path)

    same = ids_slow == ids_c
    fast_diff = sum(a != b for a, b in zip(ids_slow, ids_fast))
    base = rows[0][1]
    print(f"texts: {len(texts)} from {args.texts}, {nbytes} bytes, {ntok} ids "
          f"(mean {ntok / len(texts):.0f} per text)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}; "
          f"load average {os.getloadavg()[0]:.1f}; transformers {transformers.__version__}, "
          f"python {platform.python_version()}")
    print(f"C ids identical to the slow tokenizer's: {same}; fast tokenizer differs on {fast_diff} texts")
    print(f"C vocab load: {res['vocab_load_ms']:.1f} ms; C process peak RSS {res['peak_rss_kb'] / 1024:.1f} MiB; "
          f"this Python process (both HF tokenizers loaded) peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print()
    print("| implementation | texts/s | ids/s | us/text | vs slow |")
    print("|---|---:|---:|---:|---:|")
    for name, per in rows:
        print(f"| {name} | {len(texts) / per:,.0f} | {ntok / per:,.0f} | {per / len(texts) * 1e6:,.1f} | "
              f"{base / per:.1f}x |")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
