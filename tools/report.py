#!/usr/bin/env python3
"""report.py -- the seed's analysis report (HTML + Markdown + charts as PNG and SVG) from qaflow's database.

Every figure comes from one SQL query over the analysis_* functions of sql/005_analysis.sql, run with
psql; each table in the report is that query's output verbatim and the query is printed under it, so
a reader can run it again. Charts are drawn by gnuplot from the same queries (their data is kept as
CSV next to them). Result files of experiments (Markdown or CSV) found in --experiments DIR are
appended as they are, marked as such: they are measured by their commands, not read from the database.

Usage: python3 tools/report.py --dsn DSN [--since T] [--until T] [--out DIR] [--experiments DIR]
(normally through ./qaflow report, which supplies the DSN of the running stack; docs/report.md).
"""
import argparse
import csv
import datetime
import html
import io
import os
import re
import subprocess
import sys

TS_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9:.]+(\+00)?$")
LINE_COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52")


class ReportError(Exception):
    pass


class Db:
    """psql in CSV mode, session time zone UTC (every time in the report is UTC)."""

    def __init__(self, dsn):
        self.dsn = dsn

    def query(self, sql, variables=None):
        args = ["psql", "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-d", self.dsn]
        for k, v in (variables or {}).items():
            args += ["-v", f"{k}={v}"]
        env = dict(os.environ, PGTZ="UTC", PGCONNECT_TIMEOUT="10")
        # The SQL goes on stdin: psql interpolates :'var' (quoted safely) only there.
        p = subprocess.run(args, input=sql, capture_output=True, text=True, env=env, timeout=300)
        if p.returncode != 0:
            raise ReportError(f"query failed: {p.stderr.strip()}\n{sql}")
        rows = list(csv.reader(io.StringIO(p.stdout)))
        if not rows:
            raise ReportError(f"query returned no header: {sql}")
        return rows[0], rows[1:]


def period_literal(db, name, value):
    """NULL, or the value as PostgreSQL reads it (normalised to UTC), as a timestamptz literal."""
    if value is None:
        return "NULL"
    try:
        _, rows = db.query("SELECT to_char(:'v'::timestamptz, 'YYYY-MM-DD HH24:MI:SS.US+00')", {"v": value})
    except ReportError:
        raise ReportError(f"--{name} '{value}' is not a time PostgreSQL reads (e.g. '2026-12-07 10:00', "
                          "'2026-12-07T10:00:00Z', 'now' - see docs/report.md)") from None
    norm = rows[0][0]
    if not TS_RE.match(norm):
        raise ReportError(f"--{name}: cannot use '{value}'")
    return f"'{norm}'"


class Report:
    def __init__(self, db, out, since, until):
        self.db, self.out = db, out
        self.p = f"{since}, {until}"  # the period arguments of every analysis_* call
        self.md, self.html = [], []
        self.charts_dir = os.path.join(out, "charts")
        os.makedirs(self.charts_dir, exist_ok=True)

    # --- output primitives -------------------------------------------------------------------

    def heading(self, text):
        self.md.append(f"\n## {text}\n")
        self.html.append(f"<h2>{html.escape(text)}</h2>")

    def para(self, text):
        self.md.append(f"{text}\n")
        self.html.append(f"<p>{html.escape(text)}</p>")

    def table(self, sql):
        """Runs sql; writes its result as a table with the query under it. Returns (header, rows)."""
        header, rows = self.db.query(sql)
        esc = lambda s: s.replace("|", "\\|")
        self.md.append("| " + " | ".join(esc(h) for h in header) + " |")
        self.md.append("|" + "---|" * len(header))
        for r in rows:
            self.md.append("| " + " | ".join(esc(c) for c in r) + " |")
        self.md.append("\nQuery:\n\n```sql\n" + sql + "\n```\n")
        cells = lambda r, t: "".join(f"<{t}>{html.escape(c)}</{t}>" for c in r)
        body = "".join(f"<tr>{cells(r, 'td')}</tr>" for r in rows)
        self.html.append(f"<table><tr>{cells(header, 'th')}</tr>{body}</table>"
                         f"<details><summary>query</summary><pre>{html.escape(sql)}</pre></details>")
        return header, rows

    def chart(self, name, caption, sql, plot):
        """Runs sql, keeps its data as charts/NAME.csv, draws charts/NAME.svg and .png with gnuplot."""
        header, rows = self.db.query(sql)
        data = os.path.join(self.charts_dir, name + ".csv")
        with open(data, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        title = caption.replace(", " + self.period, "\\n" + self.period)
        has_data = any(any(c not in ("", "0") for c in r[1:]) for r in rows)
        if has_data:
            body = plot.format(data=data, xtics=60 * max(1, -(-len(rows) // 12)))
        else:
            body = ('unset key; unset xtics; unset ytics; unset xdata\n'
                    'set label 1 "no data in this period" at graph 0.5, 0.5 center\n'
                    'plot [0:1][0:1] NaN notitle\n')
        common = ('set datafile separator ","\nset datafile columnheaders\nset key outside right top\nset grid ytics\n'
                  f'set title "{title}" noenhanced font ",10"\n'
                  + "".join(f'set linetype {i + 1} lc rgb "{c}"\n' for i, c in enumerate(LINE_COLORS)))
        for term, ext in (('svg size 900,420 dynamic background "white"', "svg"),
                          ('pngcairo size 900,420', "png")):
            path = os.path.join(self.charts_dir, f"{name}.{ext}")
            script = f"set terminal {term}\nset output '{path}'\n{common}{body}"
            p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=120)
            if p.returncode != 0 or not os.path.getsize(path):
                raise ReportError(f"gnuplot failed for {name}.{ext}: {p.stderr.strip()}")
        self.md.append(f"![{caption}](charts/{name}.png)\n\n*{caption}* "
                       f"(data: `charts/{name}.csv`, vector: `charts/{name}.svg`)\n")
        with open(os.path.join(self.charts_dir, name + ".svg")) as f:
            svg = f.read()
        svg = svg[svg.find("<svg"):]  # inline: drop the XML prolog and doctype
        self.html.append(f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>")
        self.html.append(f"<details><summary>chart query</summary><pre>{html.escape(sql)}</pre></details>")

    # --- contents -------------------------------------------------------------------------------

    def build(self, experiments):
        p = self.p
        _, rows = self.db.query(
            "SELECT to_char(min(at), 'YYYY-MM-DD HH24:MI:SS'), to_char(max(at), 'YYYY-MM-DD HH24:MI:SS') "
            f"FROM analysis_questions({p})")
        first, last = rows[0] if rows else ("", "")
        period = f"{first or 'nothing'} to {last or 'nothing'} UTC" if first else "no questions"
        self.period = period

        self.heading("Summary")
        self.para(f"Questions placed in the period by their completion (failures: last update; "
                  f"pending: acceptance), {period}.")
        self.table(
            "SELECT m.metric, m.value\n"
            f"FROM analysis_summary({p}) s, LATERAL (VALUES\n"
            "  ('questions', s.questions::text), ('completed', s.completed::text),\n"
            "  ('failed', s.failed::text), ('pending', s.pending::text),\n"
            "  ('success rate %', round(100 * s.success_rate::numeric, 2)::text),\n"
            "  ('regenerated (more than one attempt)', s.regenerated::text),\n"
            "  ('share regenerated %', round(100 * s.share_regenerated::numeric, 2)::text),\n"
            "  ('LLM calls (scored attempts + LLM errors)', s.llm_calls::text),\n"
            "  ('LLM errors', s.llm_errors::text),\n"
            "  ('LLM calls per question', round(s.llm_calls_per_question::numeric, 3)::text),\n"
            "  ('mean first score', round(s.mean_first_score::numeric, 4)::text),\n"
            "  ('mean final score', round(s.mean_final_score::numeric, 4)::text),\n"
            "  ('mean improvement of regenerated questions', round(s.mean_improvement::numeric, 4)::text)\n"
            ") AS m(metric, value)")

        self.heading("Score of the first attempt vs the final answer")
        self.chart("score_histogram",
                   f"BERTScore of first attempts vs final answers, completed questions, {period}",
                   "SELECT round(((bin_low + bin_high) / 2)::numeric, 3) AS bin_mid, first_count, final_count "
                   f"FROM analysis_score_histogram({p}, 20)",
                   'set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8\n'
                   'set xlabel "BERTScore (bin centre)"\nset ylabel "questions"\nset xtics rotate by -45\n'
                   'plot "{data}" using 2:xtic(1) title "first attempt", "" using 3 title "final answer"\n')
        self.table(f"SELECT bin, round(bin_low::numeric, 2) AS bin_low, round(bin_high::numeric, 2) AS bin_high,"
                   f" first_count, final_count\nFROM analysis_score_histogram({p}, 20)\n"
                   "WHERE first_count > 0 OR final_count > 0")

        self.heading("Throughput over time")
        self.chart("throughput",
                   f"Questions completed and failed per minute, {period}",
                   "SELECT to_char(minute, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS minute, completed, failed "
                   f"FROM analysis_throughput({p})",
                   'set xdata time\nset timefmt "%Y-%m-%dT%H:%M:%S"\nset format x "%H:%M"\nset xtics {xtics}\n'
                   'set xlabel "minute (UTC)"\nset ylabel "questions per minute"\nset yrange [0:*]\n'
                   'plot "{data}" using 1:2 with linespoints title "completed", '
                   '"" using 1:3 with linespoints title "failed"\n')
        self.table("SELECT count(*) AS minutes, sum(completed) AS completed, sum(failed) AS failed,\n"
                   "       round(avg(completed), 2) AS mean_completed_per_minute,\n"
                   "       max(completed) AS peak_completed_per_minute,\n"
                   "       round(sum(completed) / greatest(count(*), 1) / 60.0, 3) AS mean_completed_per_second\n"
                   f"FROM analysis_throughput({p})")

        self.heading("Latency per stage")
        self.para("queue, retry_wait, llm, scoring and persistence are per attempt; end_to_end_produced runs "
                  "from acceptance until the validated message is produced, end_to_end_persisted until the "
                  "response row is written in PostgreSQL.")
        self.chart("latency",
                   f"Latency percentiles per stage (ms, log scale), {period}",
                   f"SELECT stage, p50_ms, p95_ms, p99_ms FROM analysis_latency({p}) WHERE samples > 0",
                   'set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8\n'
                   'set logscale y\nset ylabel "ms"\nset xtics rotate by -20 noenhanced\n'
                   'plot "{data}" using ($2 > 0 ? $2 : 0.1):xtic(1) title "p50", '
                   '"" using ($3 > 0 ? $3 : 0.1) title "p95", "" using ($4 > 0 ? $4 : 0.1) title "p99"\n')
        self.table(f"SELECT * FROM analysis_latency({p})")

        self.heading("Regeneration rate per hour")
        self.chart("regeneration",
                   f"Share of completed questions that needed more than one attempt, per hour, {period}",
                   "SELECT to_char(hour, 'MM-DD HH24:00') AS hour, round(100 * rate::numeric, 2) AS rate_pct "
                   f"FROM analysis_regeneration_per_hour({p})",
                   'set style data histograms\nset style fill solid 0.8\nset yrange [0:100]\n'
                   'set ylabel "% regenerated"\nset xlabel "hour (UTC)"\nset xtics rotate by -45\n'
                   'plot "{data}" using 2:xtic(1) title "regenerated %"\n')
        self.table("SELECT to_char(hour, 'YYYY-MM-DD HH24:00') AS hour, completed, regenerated,\n"
                   "       round(100 * rate::numeric, 2) AS rate_pct\n"
                   f"FROM analysis_regeneration_per_hour({p})")

        self.heading("Errors by type")
        self.chart("errors",
                   f"LLM errors by type and HTTP status, {period}",
                   "SELECT error_type || ' ' || COALESCE(http_status::text, '-') AS kind, occurrences "
                   f"FROM analysis_errors({p})",
                   'set style data histograms\nset style fill solid 0.8\nset yrange [0:*]\n'
                   'set ylabel "occurrences"\nset xtics noenhanced rotate by -30\n'
                   'plot "{data}" using 2:xtic(1) title "occurrences"\n')
        self.table(f"SELECT * FROM analysis_errors({p})")

        self.heading("Retry delays against their formulas")
        self.para("The formula: overload waits 2^n s before the next try (n = transport retries already "
                  "made for that attempt), or the Retry-After the LLM sent when that is longer; quota waits the Retry-After the LLM sent, else the fixed delay of "
                  "qaflow-retry --fixed-delay-s (the seed's one minute by default; formula_ms shows that "
                  "default). applied is the delay qaflow-retry chose; observed runs from the error to the next "
                  "LLM call of that attempt (it includes the way back through questions-pending); empty when "
                  "there was none (dead letter).")
        self.chart("retry_delays",
                   f"Retry delay per error type and retry number n: formula, applied, observed (ms), {period}",
                   "SELECT error_type || ' n=' || error_retries AS retry, formula_ms, applied_avg_ms, "
                   f"observed_avg_ms FROM analysis_retry_delays({p})",
                   'set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8\n'
                   'set logscale y\nset ylabel "ms (log scale)"\nset xtics noenhanced rotate by -30\n'
                   'plot "{data}" using 2:xtic(1) title "formula (quota: no Retry-After)", "" using 3 title "applied (mean)", '
                   '"" using 4 title "observed (mean)"\n')
        self.table(f"SELECT * FROM analysis_retry_delays({p})")

        self.heading("Attempts per question")
        self.chart("attempts",
                   f"Completed questions by number of scored attempts, {period}",
                   f"SELECT processing_attempts, questions FROM analysis_attempts({p})",
                   'set style data histograms\nset style fill solid 0.8\nset yrange [0:*]\n'
                   'set xlabel "scored attempts"\nset ylabel "questions"\n'
                   'plot "{data}" using 2:xtic(1) title "questions"\n')
        self.table(f"SELECT * FROM analysis_attempts({p})")

        self.heading("LLM calls per question and score improvement")
        self.chart("scores",
                   f"Mean BERTScore of the first attempt vs the final answer, {period}",
                   "SELECT m.which, m.score FROM analysis_summary("
                   f"{p}) s, LATERAL (VALUES ('first attempt', round(s.mean_first_score::numeric, 4)), "
                   "('final answer', round(s.mean_final_score::numeric, 4))) AS m(which, score)",
                   'set style data histograms\nset style fill solid 0.8\nset yrange [*:1]\nset xzeroaxis\n'
                   'set ylabel "mean BERTScore"\n'
                   'plot "{data}" using 2:xtic(1) title "mean score"\n')
        self.table("SELECT completed, regenerated, llm_calls, round(llm_calls_per_question::numeric, 3)"
                   " AS llm_calls_per_question,\n"
                   "       round(mean_first_score::numeric, 4) AS mean_first_score,"
                   " round(mean_final_score::numeric, 4) AS mean_final_score,\n"
                   "       round(mean_improvement::numeric, 4) AS mean_improvement_regenerated\n"
                   f"FROM analysis_summary({p})")

        self.experiments(experiments)

    def experiments(self, folder):
        files = []
        if folder and os.path.isdir(folder):
            files = sorted(f for f in os.listdir(folder) if f.endswith((".md", ".csv")))
        if not files:
            return
        self.heading("Experiments")
        self.para(f"Included as written by the experiment commands (not from the database), from {folder}.")
        for name in files:
            with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as f:
                text = f.read().strip()
            self.md.append(f"\n### {name}\n")
            self.html.append(f"<h3>{html.escape(name)}</h3>")
            if name.endswith(".csv"):
                self.md.append("```csv\n" + text + "\n```\n")
            else:
                self.md.append(re.sub(r"^#", "###", text, flags=re.M) + "\n")
            self.html.append(f"<pre>{html.escape(text)}</pre>")

    def write(self, title, generated, since, until):
        head = (f"Generated {generated} from the database by `./qaflow report"
                + (f" --since '{since}'" if since else "") + (f" --until '{until}'" if until else "")
                + "`. Every table is the output of the query printed under it; times are UTC.")
        md = f"# {title}\n\n{head}\n" + "\n".join(self.md) + "\n"
        with open(os.path.join(self.out, "report.md"), "w") as f:
            f.write(md)
        style = ("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
                 "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:2px 8px;"
                 "text-align:right}th{background:#eee}figure{margin:1em 0}svg{max-width:100%;height:auto}"
                 "figcaption{font-style:italic}pre{background:#f6f6f6;padding:.5em;overflow-x:auto}")
        page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
                f"<p>{html.escape(head.replace('`', ''))}</p>" + "\n".join(self.html) + "</body></html>\n")
        with open(os.path.join(self.out, "report.html"), "w") as f:
            f.write(page)


def main():
    ap = argparse.ArgumentParser(description="qaflow's analysis report from the database")
    ap.add_argument("--dsn", required=True, help="PostgreSQL connection string")
    ap.add_argument("--since", help="start of the period (any PostgreSQL timestamptz; default: unbounded)")
    ap.add_argument("--until", help="end of the period, exclusive (default: unbounded)")
    ap.add_argument("--out", default="report", help="output folder (created; report.md, report.html, charts/)")
    ap.add_argument("--experiments", help="folder of experiment results (*.md, *.csv) to include")
    ap.add_argument("--title", default="qaflow analysis report")
    a = ap.parse_args()
    try:
        db = Db(a.dsn)
        since = period_literal(db, "since", a.since)
        until = period_literal(db, "until", a.until)
        os.makedirs(a.out, exist_ok=True)
        r = Report(db, a.out, since, until)
        r.build(a.experiments)
        generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        r.write(a.title, generated, a.since, a.until)
    except (ReportError, OSError, subprocess.TimeoutExpired) as e:
        print(f"report: {e}", file=sys.stderr)
        return 1
    print(f"report: {os.path.join(a.out, 'report.html')}, {os.path.join(a.out, 'report.md')}, "
          f"charts in {r.charts_dir} ({r.period})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
