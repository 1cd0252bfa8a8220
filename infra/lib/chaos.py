#!/usr/bin/env python3
"""chaos.py: the seeded fault plan, the question file and the accounting of ./qaflow chaos (infra/lib/chaos.sh).

  chaos.py plan --seed S --seconds T FAULT...      one line per fault: "offset_s fault hold_s", in the order run
  chaos.py dataset --src CSV --count N --out CSV  N distinct questions (the source's rows, each with "#k")
  chaos.py account --ids FILE --faults TSV --out JSON   (psql from the environment: PGHOST, PGPORT, ...)
      prints the accounting and the recovery time of each fault; exit 0 only when nothing was lost,
      nothing is left pending, no question has two final rows and every fault recovered.
"""
import argparse
import csv
import json
import random
import subprocess
import sys

STALLS = ("stall-postgres", "stall-scorer")


def cmd_plan(a):
    """Each fault once, in a seeded order, at a seeded moment of its own slot of the traffic."""
    rng = random.Random(a.seed)
    faults = list(a.faults)
    rng.shuffle(faults)
    # The faults fit in the first 80 % of the traffic, so the last restart still meets traffic.
    slot = a.seconds * 0.8 / max(1, len(faults))
    for i, f in enumerate(faults):
        offset = i * slot + rng.uniform(0.1, 0.5) * slot
        hold = rng.uniform(5, 10) if f in STALLS else rng.uniform(0.5, 3)
        print("%.1f %s %.1f" % (offset, f, hold))


def cmd_dataset(a):
    """a.count rows cycling over the source, each title made unique with " #k" (question ids derive from the text)."""
    with open(a.src, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if len(r) >= 4]
    if not rows:
        sys.exit("chaos.py dataset: no rows in %s" % a.src)
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for k in range(a.count):
            r = list(rows[k % len(rows)])
            r[1] = "%s #%d" % (r[1], k + 1)
            w.writerow(r)


def psql(sql):
    """Rows of a query (CSV, no header) through psql; the connection comes from the PG* environment."""
    # on stdin: the id list of a long run is larger than one command-line argument may be
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-t", "-f", "-"], input=sql,
                         check=True, capture_output=True, text=True).stdout
    return list(csv.reader(out.splitlines()))


def load_ids(path):
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                ids.append(line)
    return sorted(set(ids))


def ids_values(ids):
    return ",".join("('%s')" % i.replace("'", "''") for i in ids) or "(NULL)"


def cmd_account(a):
    ids = load_ids(a.ids)
    with_ids = "WITH c(question_id) AS (VALUES %s) " % ids_values(ids)
    (row,) = psql(with_ids + """
        SELECT count(*),
               count(*) FILTER (WHERE q.question_id IS NULL),
               count(*) FILTER (WHERE q.status = 'completed'),
               count(*) FILTER (WHERE q.status = 'failed'),
               count(*) FILTER (WHERE q.status = 'pending'),
               count(*) FILTER (WHERE q.status = 'completed' AND NOT EXISTS (SELECT 1 FROM responses r
                                 WHERE r.question_id = q.question_id AND r.run = q.run)),
               count(*) FILTER (WHERE q.status = 'failed' AND EXISTS (SELECT 1 FROM responses r
                                 WHERE r.question_id = q.question_id AND r.run = q.run)),
               count(*) FILTER (WHERE q.run > 1)
        FROM c LEFT JOIN questions q ON q.question_id = c.question_id""")
    acc, lost, completed, failed, pending, no_row, failed_with_row, rerun = map(int, row)
    # A question with two results (two runs completed, or two rows in responses) has two final rows.
    (dup,) = psql(with_ids + """
        SELECT count(DISTINCT question_id) FROM (
          SELECT r.question_id FROM responses r JOIN c ON c.question_id = r.question_id
          GROUP BY r.question_id HAVING count(*) > 1
          UNION ALL
          SELECT ru.question_id FROM runs ru JOIN c ON c.question_id = ru.question_id
          WHERE ru.status = 'completed' GROUP BY ru.question_id HAVING count(*) > 1) d""")
    dup = int(dup[0])
    reasons = psql(with_ids + """
        SELECT left(coalesce(q.failed_reason, '?'), 60), count(*) FROM c JOIN questions q ON q.question_id = c.question_id
        WHERE q.status = 'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 8""")
    (attempts,) = psql(with_ids + """
        SELECT coalesce(round(avg(r.processing_attempts), 2), 0), count(*) FROM c
        JOIN questions q ON q.question_id = c.question_id JOIN responses r ON r.question_id = q.question_id AND r.run = q.run""")
    (llm_errors,) = psql(with_ids + """
        SELECT count(*) FILTER (WHERE e.error_type = 'overload'), count(*) FILTER (WHERE e.error_type = 'quota'),
               count(*) FILTER (WHERE e.error_type = 'fatal') FROM c JOIN llm_errors e ON e.question_id = c.question_id""")

    faults = []
    with open(a.faults, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 7 or p[0] == "fault":
                continue
            name, t_kill, t_restart, t_healthy, ok, during, pid = p[:7]
            faults.append({"fault": name, "t_kill": float(t_kill), "t_restart": float(t_restart),
                           "t_healthy": float(t_healthy) if t_healthy else None, "recovered": ok == "ok",
                           "during_traffic": during == "yes", "pid": pid})
    for fl in faults:
        fl["down_s"] = round(fl["t_restart"] - fl["t_kill"], 1)
        fl["restart_to_health_s"] = None
        fl["health_to_next_completed_s"] = None
        if fl["t_healthy"] is None:
            continue
        fl["restart_to_health_s"] = round(fl["t_healthy"] - fl["t_restart"], 1)
        # The next question: the first of this run's questions accepted after the component was healthy
        # again to complete (its whole path ran after the recovery).
        (nxt,) = psql(with_ids + """
            SELECT extract(epoch FROM min(r.completed_at)) FROM c JOIN questions q ON q.question_id = c.question_id
            JOIN responses r ON r.question_id = q.question_id AND r.run = q.run
            WHERE q.created_at >= to_timestamp(%f)""" % fl["t_healthy"])
        if nxt and nxt[0]:
            fl["health_to_next_completed_s"] = round(float(nxt[0]) - fl["t_healthy"], 1)

    unrecovered = [f["fault"] for f in faults if not f["recovered"]]
    res = {"accepted": acc, "completed": completed, "failed": failed, "lost": lost, "pending": pending,
           "duplicate_final_rows": dup, "completed_without_result": no_row, "failed_with_result": failed_with_row,
           "re_enqueued_by_sweeper": rerun, "avg_attempts_completed": float(attempts[0]),
           "llm_errors": {"overload": int(llm_errors[0]), "quota": int(llm_errors[1]), "fatal": int(llm_errors[2])},
           "failed_reasons": {r[0]: int(r[1]) for r in reasons}, "faults": faults, "unrecovered": unrecovered}
    res["ok"] = (acc > 0 and lost == 0 and pending == 0 and dup == 0 and no_row == 0 and failed_with_row == 0
                 and completed + failed == acc and not unrecovered)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(res, f, indent=2)
        f.write("\n")

    print("accounting (questions that got a 202):")
    for k in ("accepted", "completed", "failed", "lost", "pending", "duplicate_final_rows",
              "completed_without_result", "failed_with_result", "re_enqueued_by_sweeper", "avg_attempts_completed"):
        print("  %-26s %s" % (k, res[k]))
    print("  %-26s overload %d, quota %d, fatal %d" % ("LLM errors (retried)", *map(int, llm_errors)))
    for r, n in res["failed_reasons"].items():
        print("  failed: %-40s %d" % (r, n))
    print("faults (seconds; down = kill to restart, health = restart to /health 200 or job RUNNING,")
    print("        next = health to the first question accepted after it completing):")
    print("  %-20s %6s %8s %8s  %s" % ("fault", "down", "health", "next", "result"))
    for f in faults:
        fmt = lambda v: "-" if v is None else "%.1f" % v
        print("  %-20s %6s %8s %8s  %s%s" % (f["fault"], fmt(f["down_s"]), fmt(f["restart_to_health_s"]),
              fmt(f["health_to_next_completed_s"]), "recovered" if f["recovered"] else "NOT RECOVERED",
              "" if f["during_traffic"] else " (after the traffic)"))
    print("result: %s" % ("OK: nothing lost" if res["ok"] else "FAILED"))
    return 0 if res["ok"] else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pl = sub.add_parser("plan")
    pl.add_argument("--seed", type=int, required=True)
    pl.add_argument("--seconds", type=float, required=True)
    pl.add_argument("faults", nargs="+")
    ds = sub.add_parser("dataset")
    ds.add_argument("--src", required=True)
    ds.add_argument("--count", type=int, required=True)
    ds.add_argument("--out", required=True)
    ac = sub.add_parser("account")
    ac.add_argument("--ids", required=True)
    ac.add_argument("--faults", required=True)
    ac.add_argument("--out", required=True)
    a = p.parse_args()
    return {"plan": cmd_plan, "dataset": cmd_dataset, "account": cmd_account}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
