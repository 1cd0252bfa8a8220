#!/usr/bin/env python3
"""make_pairs.py -- benchmark pairs from dataset/sample.csv: real answers of 20-200 words, one text per line."""
import csv
import sys

src, cands, refs, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rows = [r for r in csv.reader(open(src, encoding="utf-8")) if len(r) == 4]
ans = [" ".join(r[3].replace("\\n", " ").split()) for r in rows]
ans = [a for a in ans if 20 <= len(a.split()) <= 200]
pairs = []
i = 0
while len(pairs) < n:
    a = ans[i % len(ans)]
    b = ans[(i * 7 + 1) % len(ans)] if i % 2 else " ".join(a.split()[: max(20, len(a.split()) // 2)])
    pairs.append((a, b))
    i += 1
open(cands, "w").write("".join(c + "\n" for c, _ in pairs))
open(refs, "w").write("".join(r + "\n" for _, r in pairs))
words = [len(c.split()) for c, _ in pairs] + [len(r.split()) for _, r in pairs]
print(f"{n} pairs, words per text min {min(words)} mean {sum(words) / len(words):.0f} max {max(words)}", file=sys.stderr)
