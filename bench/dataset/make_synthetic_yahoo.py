#!/usr/bin/env python3
"""make_synthetic_yahoo.py -- writes a synthetic Yahoo! Answers CSV of N rows (default 1.4 M, ~550 bytes/row like train.csv) for the reader benchmark."""
import argparse
import csv
import random
import sys

WORDS = ("the of and to a in is that it for was on are as with his they at be this from have or "
         "by one had not but what all were when we there can an your which their said if do will "
         "each about how up out them then she many some so these would other into has more her two "
         "like him see time could no make than first been its who now people my made over did down "
         "only way find use may water long little very after words called just where most know").split()


def sentence(rng, lo, hi):
    n = rng.randint(lo, hi)
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    if rng.random() < 0.1:
        s += ' "quoted, with comma"'
    return s[0].upper() + s[1:] + "."


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_400_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("out")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for _ in range(a.rows):
            title = sentence(rng, 4, 14)[:-1] + "?"
            content = "" if rng.random() < 0.45 else sentence(rng, 5, 40)
            answer = "\\n".join(sentence(rng, 5, 30) for _ in range(rng.randint(1, 5)))
            w.writerow([str(rng.randint(1, 10)), title, content, answer])
    return 0


if __name__ == "__main__":
    sys.exit(main())
