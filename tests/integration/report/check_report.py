#!/usr/bin/env python3
"""check_report.py -- checks a generated report: every table in report.md equals the output of the query
printed under it (run again here), no other number appears in the text, every chart exists as non-empty
PNG and SVG, the HTML is self-contained, and the included experiment files are there.

usage: check_report.py OUT_DIR DSN EXPERIMENT_MARKER
"""
import csv
import io
import os
import re
import subprocess
import sys

OUT, DSN, MARKER = sys.argv[1:4]
CHARTS = ["score_histogram", "throughput", "latency", "regeneration", "errors", "retry_delays", "attempts", "scores"]
# Words with digits that are names, not data: percentile names, the formula's exponent.
NAMES = {"p50", "p95", "p99", "2^n", "p50/p95/p99"}


def die(msg):
    sys.exit(f"FAIL {msg}")


def run(sql):
    p = subprocess.run(["psql", "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-d", DSN], input=sql,
                       capture_output=True, text=True, env=dict(os.environ, PGTZ="UTC"), timeout=120)
    if p.returncode:
        die(f"query of the report fails: {p.stderr}\n{sql}")
    return list(csv.reader(io.StringIO(p.stdout)))


md = open(os.path.join(OUT, "report.md")).read()
lines = md.split("\n")
tables, rest, i, cells_checked = 0, [], 0, 0
while i < len(lines):
    ln = lines[i]
    if ln.startswith("| "):
        rows = []
        while i < len(lines) and lines[i].startswith("|"):
            if not re.match(r"^\|(---\|)+$", lines[i]):
                cells = re.split(r"(?<!\\) \| ", lines[i][2:-2])
                rows.append([c.replace("\\|", "|") for c in cells])
            i += 1
        while i < len(lines) and lines[i] != "```sql":
            if lines[i].strip() not in ("", "Query:"):
                die(f"table without its query (line {i + 1}: {lines[i]!r})")
            i += 1
        j = lines.index("```", i + 1)
        sql = "\n".join(lines[i + 1:j])
        i = j + 1
        want = run(sql)
        if rows != want:
            die(f"table differs from its query:\n{sql}\nreport: {rows}\nquery:  {want}")
        tables += 1
        cells_checked += sum(len(r) for r in rows[1:])
        continue
    if ln.startswith("## Experiments"):
        break  # included files: measured by the experiment commands, not from the database
    rest.append(ln)
    i += 1
if tables < 9:
    die(f"only {tables} tables with a query in report.md")

# Outside tables and queries the only numbers are the period (from the database) and the generation time.
text = "\n".join(rest)
m = re.search(r"\), (\S+ \S+) to (\S+ \S+) UTC\.", text)
if not m:
    die("no period in the summary")
period_sql = run("SELECT to_char(min(at), 'YYYY-MM-DD HH24:MI:SS'), to_char(max(at), 'YYYY-MM-DD HH24:MI:SS') "
                 "FROM analysis_questions(NULL, NULL)")[1]
if [m.group(1), m.group(2)] != period_sql:
    die(f"period {m.groups()} is not the database's {period_sql}")
text = text.replace(f"{m.group(1)} to {m.group(2)} UTC", "PERIOD")
text = re.sub(r"^Generated \S+ \S+ UTC", "Generated", text, flags=re.M)
text = re.sub(r"charts/\w+\.(png|svg|csv)", "FILE", text)
for word in re.findall(r"\S*\d\S*", text):
    if word.strip("(),.;:*") not in NAMES:
        die(f"a number typed in the report's text, not from a query: {word!r}")

for name in CHARTS:
    if f"charts/{name}.png" not in md:
        die(f"chart {name} not in report.md")
    for ext, magic in (("png", b"\x89PNG"), ("svg", b"<svg")):
        path = os.path.join(OUT, "charts", f"{name}.{ext}")
        data = open(path, "rb").read() if os.path.exists(path) else b""
        if len(data) < 1000 or magic not in data[:4096]:
            die(f"{path} missing, empty or not a {ext}")

page = open(os.path.join(OUT, "report.html")).read()
if page.count("<svg") != len(CHARTS):
    die(f"report.html inlines {page.count('<svg')} charts, want {len(CHARTS)}")
if re.search(r"""(src|href)\s*=\s*["'](https?:|charts/)""", page):
    die("report.html is not self-contained (it references a file or URL)")
if MARKER not in md or MARKER not in page:
    die("the experiment files are not included")
print(f"ok  report: {tables} tables ({cells_checked} cells) equal their queries, {len(CHARTS)} charts as PNG and SVG")
