#!/usr/bin/env python3
"""make_sample_dataset.py -- writes dataset/sample.csv (Yahoo! Answers CSV format) from tools/sample_dataset/.

The questions and answers were written for qaflow and are shipped under the
project's licence. The output follows the yahoo_answers_csv layout of Zhang et
al. 2015 exactly: no header, four columns all quoted (class index 1-10, question
title, question content, best answer), a quote written as "", a line break inside
a field written as the two characters backslash and n, rows ended by a newline.

Usage: python3 tools/make_sample_dataset.py [--out dataset/sample.csv] [--check-only]
"""
import argparse
import csv
import io
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "sample_dataset"))

import qa_society, qa_science, qa_health, qa_education, qa_computers  # noqa: E402
import qa_sports, qa_business, qa_entertainment, qa_family, qa_politics  # noqa: E402

CLASSES = {
    1: ("Society & Culture", qa_society),
    2: ("Science & Mathematics", qa_science),
    3: ("Health", qa_health),
    4: ("Education & Reference", qa_education),
    5: ("Computers & Internet", qa_computers),
    6: ("Sports", qa_sports),
    7: ("Business & Finance", qa_business),
    8: ("Entertainment & Music", qa_entertainment),
    9: ("Family & Relationships", qa_family),
    10: ("Politics & Government", qa_politics),
}

MIN_WORDS, MAX_WORDS = 20, 150
SHUFFLE_SEED = 2015


def escape_newlines(text):
    """Yahoo! Answers CSV writes a line break as the two characters backslash, n."""
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def collect():
    rows, problems = [], []
    seen = set()
    for cls, (name, module) in sorted(CLASSES.items()):
        for i, item in enumerate(module.QA):
            if len(item) != 3:
                problems.append(f"class {cls} item {i}: expected (title, content, answer)")
                continue
            title, content, answer = (s.strip() for s in item)
            words = len(answer.split())
            if not title:
                problems.append(f"class {cls} item {i}: empty title")
            if not (MIN_WORDS <= words <= MAX_WORDS):
                problems.append(f"class {cls} item {i} ({title!r}): answer has {words} words")
            if "\\" in title + content + answer:
                problems.append(f"class {cls} item {i}: literal backslash")
            if title.lower() in seen:
                problems.append(f"class {cls} item {i}: duplicate title {title!r}")
            seen.add(title.lower())
            rows.append((cls, title, content, answer))
    return rows, problems


def render(rows):
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for cls, title, content, answer in rows:
        w.writerow([str(cls), escape_newlines(title), escape_newlines(content),
                    escape_newlines(answer)])
    return buf.getvalue()


def validate(text, expected):
    """Reads the rendered text back with the csv module and compares every field."""
    got = list(csv.reader(io.StringIO(text)))
    if len(got) != len(expected):
        return [f"read {len(got)} rows, wrote {len(expected)}"]
    errs = []
    for n, (row, exp) in enumerate(zip(got, expected), 1):
        if len(row) != 4:
            errs.append(f"row {n}: {len(row)} columns")
            continue
        if int(row[0]) != exp[0] or [r.replace("\\n", "\n") for r in row[1:]] != list(exp[1:]):
            errs.append(f"row {n}: round trip differs")
    if text.count("\n") != len(expected):
        errs.append("a real newline inside a field (they must be written as \\n)")
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "..", "dataset", "sample.csv"))
    ap.add_argument("--check-only", action="store_true", help="validate, do not write")
    args = ap.parse_args()

    rows, problems = collect()
    random.Random(SHUFFLE_SEED).shuffle(rows)
    text = render(rows)
    problems += validate(text, rows)
    if problems:
        for p in problems:
            print("error:", p, file=sys.stderr)
        return 1
    per_class = {c: sum(1 for r in rows if r[0] == c) for c in CLASSES}
    words = [len(r[3].split()) for r in rows]
    print(f"{len(rows)} rows; per class {per_class}; answer words min {min(words)} "
          f"max {max(words)} mean {sum(words) / len(words):.1f}; "
          f"empty content {sum(1 for r in rows if not r[2])}; "
          f"answers with line breaks {sum(1 for r in rows if chr(10) in r[3])}; "
          f"with quotes {sum(1 for r in rows if chr(34) in r[1] + r[2] + r[3])}")
    if not args.check_only:
        with open(args.out, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        print("wrote", os.path.normpath(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
