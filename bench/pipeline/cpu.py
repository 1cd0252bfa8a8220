#!/usr/bin/env python3
"""bench/pipeline/cpu.py: CPU seconds used by each stack component (its pid from var/run/*.pid and
all its descendants, e.g. PostgreSQL backends) and by the whole machine (/proc/stat).
usage: cpu.py snap RUN_DIR > FILE;  cpu.py diff BEFORE AFTER  (prints the split of one phase)"""
import glob
import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def procs():
    out = {}
    for d in glob.glob("/proc/[0-9]*/stat"):
        try:
            s = open(d).read()
        except OSError:
            continue
        f = s[s.rfind(")") + 2:].split()
        out[int(d.split("/")[2])] = (int(f[1]), (int(f[11]) + int(f[12])) / TICK)  # ppid, utime+stime
    return out


def snap(run_dir):
    ps = procs()
    kids = {}
    for pid, (ppid, _) in ps.items():
        kids.setdefault(ppid, []).append(pid)
    for pf in sorted(glob.glob(os.path.join(run_dir, "*.pid"))):
        name = os.path.basename(pf)[:-4]
        try:
            root = int(open(pf).read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        tot, todo = 0.0, [root]
        while todo:
            p = todo.pop()
            if p in ps:
                tot += ps[p][1]
                todo.extend(kids.get(p, []))
        print("%s %.2f" % (name, tot))
    cpu = open("/proc/stat").readline().split()[1:]
    busy = sum(int(x) for i, x in enumerate(cpu) if i not in (3, 4)) / TICK  # all but idle, iowait
    print("machine %.2f" % busy)


def diff(a, b):
    x = dict(l.split() for l in open(a))
    y = dict(l.split() for l in open(b))
    d = {k: float(y[k]) - float(x.get(k, 0)) for k in y}
    ours = sum(v for k, v in d.items() if k != "machine")
    parts = sorted(((v, k) for k, v in d.items() if k != "machine" and v >= 0.05), reverse=True)
    print("cpu_s " + " ".join("%s=%.1f" % (k, v) for v, k in parts)
          + " | stack=%.1f machine=%.1f (others=%.1f)" % (ours, d["machine"], d["machine"] - ours))


if __name__ == "__main__":
    snap(sys.argv[2]) if sys.argv[1] == "snap" else diff(sys.argv[2], sys.argv[3])
