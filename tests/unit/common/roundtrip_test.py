#!/usr/bin/env python3
"""roundtrip_test.py -- random Yahoo! Answers CSV files written by Python's csv module must read back identically through yahoo_csv.

Usage: roundtrip_test.py YAHOO_CSV_DUMP_BIN [SEED]
Three files of 2000 random records each: the Yahoo! form (newlines escaped as \\n, LF ends),
raw newlines kept inside quotes with CRLF row ends, and minimal quoting (csv.QUOTE_MINIMAL,
so most fields are unquoted). Fields mix ASCII, accented and CJK letters, emoji, quotes,
commas, empty strings and long runs. Every record must come back with the same class,
title, content and answer, and with the line number it starts on.
"""
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile

ALPHABET = ("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789 ,,, \"\" \" ' ; : . ? ! "
            "\u00e9\u00e8\u00fc\u00f1\u00e7 \u4e2d\u6587 \u65e5\u672c \U0001F600 \t")


def rand_text(rng, allow_newline):
    kind = rng.random()
    if kind < 0.15:
        return ""
    n = rng.choice([1, 5, 20, 80, 300]) if kind < 0.98 else rng.randint(5000, 40000)
    chars = [rng.choice(ALPHABET) for _ in range(n)]
    if allow_newline:
        for _ in range(rng.randint(0, 3)):
            chars.insert(rng.randint(0, len(chars)), "\n")
    return "".join(chars)


def make(rng, n, allow_newline):
    return [(rng.randint(1, 10), rand_text(rng, allow_newline) or "t", rand_text(rng, allow_newline),
             rand_text(rng, allow_newline)) for _ in range(n)]


def write(rows, mode):
    """Returns the file text and the line each record starts on."""
    if mode == "yahoo":
        opts, esc = dict(quoting=csv.QUOTE_ALL, lineterminator="\n"), lambda s: s.replace("\n", "\\n")
    elif mode == "raw_crlf":
        opts, esc = dict(quoting=csv.QUOTE_ALL, lineterminator="\r\n"), lambda s: s
    else:
        opts, esc = dict(quoting=csv.QUOTE_MINIMAL, lineterminator="\n"), lambda s: s.replace("\n", "\\n")
    parts, starts, line = [], [], 1
    for cls, t, c, a in rows:
        buf = io.StringIO()
        csv.writer(buf, **opts).writerow([str(cls), esc(t), esc(c), esc(a)])
        row = buf.getvalue()
        starts.append(line)
        line += row.count("\n")
        parts.append(row)
    return "".join(parts), starts


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    dump = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 20151
    rng = random.Random(seed)
    failures = 0
    for mode in ("yahoo", "raw_crlf", "minimal"):
        rows = make(rng, 2000, allow_newline=True)
        # Backslash-n is the escape: a literal backslash followed by n cannot survive, so the
        # generated text has no backslashes at all.
        text, starts = write(rows, mode)
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", newline="") as f:
            f.write(text)
            path = f.name
        try:
            out = subprocess.run([dump, path], capture_output=True, text=True, encoding="utf-8", check=False)
        finally:
            os.unlink(path)
        if out.returncode != 0:
            print(f"not ok - {mode}: dump exited {out.returncode}: {out.stderr.strip()}")
            failures += 1
            continue
        got = [json.loads(line) for line in out.stdout.splitlines()]
        bad = 0
        if len(got) != len(rows):
            print(f"not ok - {mode}: {len(got)} records read, {len(rows)} written")
            failures += 1
            continue
        for i, (g, (cls, t, c, a), start) in enumerate(zip(got, rows, starts)):
            if "error" in g or (g["class"], g["title"], g["content"], g["answer"], g["line"]) != (cls, t, c, a, start):
                if bad < 3:
                    print(f"not ok - {mode}: record {i + 1} differs: {str(g)[:200]}")
                bad += 1
        if bad:
            failures += 1
            print(f"not ok - {mode}: {bad} of {len(rows)} records differ")
        else:
            print(f"ok - {mode}: {len(rows)} records ({len(text)} chars) read back identically")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
