#!/usr/bin/env python3
"""bench_bertscore_py.py -- bert-score (PyTorch, CPU) pairs/s one at a time and at batch 64, model loaded once."""
import sys
import time

import torch
from bert_score import BERTScorer

model_dir, layer, cands_f, refs_f, mode, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
threads = int(sys.argv[7]) if len(sys.argv) > 7 else 2
torch.set_num_threads(threads)
cands = open(cands_f).read().split("\n")[:n]
refs = open(refs_f).read().split("\n")[:n]
scorer = BERTScorer(model_type=model_dir, num_layers=layer, batch_size=64, device="cpu")
scorer.score(cands[:2], refs[:2])  # warm-up
t0 = time.perf_counter()
if mode == "single":
    out = [scorer.score([c], [r])[2][0].item() for c, r in zip(cands, refs)]
else:
    out = scorer.score(cands, refs, batch_size=64)[2].tolist()
dt = time.perf_counter() - t0
print(f"bert-score {mode} pairs={n} seconds={dt:.3f} pairs_per_s={n / dt:.2f} threads={threads} meanF={sum(out) / len(out):.6f}")
