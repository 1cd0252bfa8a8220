#!/usr/bin/env python3
"""golden_scores.py -- write bert-score's own P/R/F (and HF token ids, hidden-state probes) as test fixtures.

Development tool, not needed by CI. Setup (CPU is enough):
    python3 -m venv /tmp/bs-venv && /tmp/bs-venv/bin/pip install torch transformers bert-score
    /tmp/bs-venv/bin/python tools/golden_scores.py [--model-dir var/models/all-MiniLM-L6-v2]

Writes
  tests/fixtures/bertscore/scores.jsonl         one "meta" line, then one "pair" line per pair:
      cand, ref, cand_ids, ref_ids (bert-score's sent_encode), and per layer L:
      "L": {"P","R","F"} without idf, {"idf": {...}} with idf computed over ALL refs of the file
      (bert-score score(..., idf=True) on the whole list), {"rescaled": {...}} with
      tests/unit/bertscore/baseline_test.tsv.
  tests/fixtures/bertscore/scores_hidden.jsonl  hidden-state probes per text and layer 0..N:
      first/last token's first 8 values, sum and sum of |x| over the whole [len x hidden] state.
"""
import argparse
import csv
import io
import json
import os
import random
import sys

import torch
import bert_score
import transformers
from bert_score.utils import sent_encode, get_tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_sample(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for rec in csv.reader(f):
            if len(rec) != 4:
                continue
            rows.append({k: v.replace("\\n", "\n") for k, v in zip(("cls", "title", "content", "answer"), rec)})
    return rows


def build_pairs(rows, rng):
    answers = [r["answer"] for r in rows]
    titles = [r["title"] for r in rows]
    pairs = []
    # related: the answer's first sentence against the whole answer, and the reverse
    for i in range(0, 30):
        a = answers[i]
        first = a.split(". ")[0] + "."
        pairs.append((first, a) if i % 2 == 0 else (a, first))
    # unrelated answers
    for i in range(30, 55):
        j = (i * 7 + 13) % len(answers)
        if j == i:
            j = (j + 1) % len(answers)
        pairs.append((answers[i], answers[j]))
    # question title against its answer
    for i in range(55, 70):
        pairs.append((titles[i], answers[i]))
    # shuffled words of the answer (same bag, different order)
    for i in range(70, 80):
        w = answers[i].split()
        rng.shuffle(w)
        pairs.append((" ".join(w), answers[i]))
    long_text = " ".join(answers[80:90])  # well over 512 word pieces
    hard = [
        ("", answers[0]),                                  # empty candidate
        (answers[1], ""),                                  # empty reference
        ("", ""),                                          # both empty
        ("   \t  ", answers[2]),                           # whitespace-only candidate
        (answers[3], answers[3]),                          # identical
        ("  " + answers[4] + "\n", answers[4]),            # identical up to surrounding space
        ("the the the the the the", "the cat sat on the mat"),
        ("yes", "no"),
        ("Yes.", "yes"),
        ("ok ok ok ok ok ok ok ok ok ok ok ok", "ok"),
        (long_text, answers[81]),                          # long candidate (truncated at 512)
        (answers[82], long_text),                          # long reference
        (long_text, long_text),
        ("Café crème brûlée, naïve résumé; Ångström façade.", "cafe creme brulee naive resume angstrom facade"),
        ("東京は日本の首都です。", "Tokyo is the capital of Japan."),
        ("北京欢迎你", "北京欢迎您"),
        ("I love pizza 🍕🍕 and tacos 🌮!", "I like pizza and tacos."),
        ("Wait... what?!?! ???!!! ...", "What do you mean?"),
        ("supercalifragilisticexpialidociousantidisestablishmentarianismfloccinaucinihilipilification", "a very long word"),
        ("THE QUICK BROWN FOX", "the quick brown fox"),
        ("Привет, как дела?", "Hello, how are you?"),
        ("مرحبا بالعالم", "hello world"),
        ("x", answers[5]),
        (answers[6], "x"),
        ("[CLS] [SEP]", "hello"),
        ("\u200b\u200b", "zero width"),
        ("e = mc^2 ; a^2 + b^2 = c^2 (pythagoras) #math @home $100 50%", "Einstein's mass-energy equivalence."),
        ("1 2 3 4 5 6 7 8 9 10", "one two three four five six seven eight nine ten"),
        ("Tab\tseparated\twords\nand new\nlines", "tab separated words and new lines"),
        ("A.B.C. U.S.A. e.g. i.e. etc.", "abbreviations"),
    ]
    pairs.extend(hard)
    return pairs


def num(x):
    """bert-score's value as JSON: NaN (it gives one for an all-special candidate such as
    "[CLS] [SEP]": its idf weights sum to 0) is written as null; qaflow gives 0 there."""
    x = float(x)
    return None if x != x else x


def hidden_probes(model_dir, tok, texts, nlayers):
    model = transformers.AutoModel.from_pretrained(model_dir)
    model.eval()
    out = []
    with torch.no_grad():
        for t in texts:
            ids = sent_encode(tok, t)
            x = torch.tensor([ids])
            hs = model(x, attention_mask=torch.ones_like(x), output_hidden_states=True).hidden_states
            layers = {}
            for k in range(nlayers + 1):
                h = hs[k][0]
                layers[str(k)] = {
                    "first": [float(v) for v in h[0, :8]],
                    "last": [float(v) for v in h[-1, :8]],
                    "sum": float(h.double().sum()),
                    "abs_sum": float(h.double().abs().sum()),
                }
            out.append({"text": t, "ids": ids, "layers": layers})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-dir", default=os.path.join(ROOT, "var/models/all-MiniLM-L6-v2"))
    ap.add_argument("--dataset", default=os.path.join(ROOT, "dataset/sample.csv"))
    ap.add_argument("--layers", default="0,2,4,6")
    ap.add_argument("--baseline", default=os.path.join(ROOT, "tests/unit/bertscore/baseline_test.tsv"))
    ap.add_argument("--out", default=os.path.join(ROOT, "tests/fixtures/bertscore/scores.jsonl"))
    ap.add_argument("--hidden-out", default=os.path.join(ROOT, "tests/fixtures/bertscore/scores_hidden.jsonl"))
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = random.Random(1234)
    rows = read_sample(args.dataset)
    if len(rows) < 90:
        sys.exit(f"{args.dataset}: need at least 90 rows, got {len(rows)}")
    pairs = build_pairs(rows, rng)
    cands = [c for c, _ in pairs]
    refs = [r for _, r in pairs]
    layers = [int(x) for x in args.layers.split(",")]
    tok = get_tokenizer(args.model_dir, use_fast=False)
    results = [{"type": "pair", "id": i, "cand": c, "ref": r,
                "cand_ids": sent_encode(tok, c), "ref_ids": sent_encode(tok, r), "layers": {}}
               for i, (c, r) in enumerate(pairs)]
    for L in layers:
        for idf in (False, True):
            P, R, F = bert_score.score(cands, refs, model_type=args.model_dir, num_layers=L, idf=idf,
                                       batch_size=64, nthreads=1, device="cpu")
            key = "idf" if idf else "raw"
            for i in range(len(pairs)):
                results[i]["layers"].setdefault(str(L), {})[key] = {
                    "P": num(P[i]), "R": num(R[i]), "F": num(F[i])}
        P, R, F = bert_score.score(cands, refs, model_type=args.model_dir, num_layers=L, idf=False,
                                   batch_size=64, nthreads=1, device="cpu", lang="en",
                                   rescale_with_baseline=True, baseline_path=args.baseline)
        for i in range(len(pairs)):
            results[i]["layers"][str(L)]["rescaled"] = {"P": num(P[i]), "R": num(R[i]), "F": num(F[i])}
    meta = {"type": "meta", "model": os.path.basename(os.path.normpath(args.model_dir)),
            "bert_score": bert_score.__version__, "torch": torch.__version__,
            "transformers": transformers.__version__, "layers": layers, "pairs": len(pairs),
            "idf": "computed by bert-score over all refs of this file (in file order)",
            "baseline": os.path.relpath(args.baseline, ROOT), "batch_size": 64}
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta, ensure_ascii=False) + "\n")
        for r in results:
            f.write(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n")
    nlayers = transformers.AutoConfig.from_pretrained(args.model_dir).num_hidden_layers
    probe_texts = [pairs[0][1], "Hello world!", "", rows[85]["answer"], " ".join(rows[i]["answer"] for i in range(80, 90))]
    with open(args.hidden_out, "w", encoding="utf-8") as f:
        for p in hidden_probes(args.model_dir, tok, probe_texts, nlayers):
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {len(results)} pairs to {args.out}, {len(probe_texts)} hidden probes to {args.hidden_out}")


if __name__ == "__main__":
    main()
