#!/usr/bin/env bash
# Times `hunt scan` with 1 and 2 worker threads, taking turns, and prints for each the median
# whole-process wall time and CPU time (user + system, of the process and its threads) and the
# medians of the summary's phase_seconds (doc/summary-schema.md), so what scales (scan) and what
# every run pays once (process start, start, finish, output) are seen apart; a run that does not
# complete (exit 2, 130, a crash) stops it. The inputs are read into the page cache before every
# round, untimed (tools/lib/pagecache.py). Times are taken to
# the microsecond (wait4), not to the 10 ms of GNU time. Needs python3.
#   tools/thread-phases.sh ROUNDS HUNT INPUT...     (HUNT: a published hunt, e.g. sc/hunt)
set -euo pipefail
rounds=$1; hunt=$2; shift 2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 - "$(dirname "$0")/lib" "$rounds" "$hunt" "$work" "$@" <<'EOF'
import json, os, statistics, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from pagecache import warm
rounds, hunt, work, inputs = int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
runs = {1: [], 2: []}
for _ in range(rounds):
    warm(inputs)
    for t in (1, 2):
        summary = os.path.join(work, "s.json")
        if os.path.exists(summary): os.remove(summary)  # a run that writes none must not show the last one's
        began = time.perf_counter()
        # hunt exits 1 when it finds nothing: timed all the same.
        p = subprocess.Popen([hunt, "scan", *inputs, "-q", "-o", os.path.join(work, "o.arrow"), "--threads", str(t), "--summary-json", summary],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - began
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 3, 4): sys.exit(f"thread-phases: hunt exited {code} at {t} thread(s) (not a completed scan); run it by hand to see why")
        phases = json.load(open(summary))["phase_seconds"]
        runs[t].append([wall, usage.ru_utime + usage.ru_stime] + [phases[k] for k in ("start", "scan", "finish", "output")])
names = ["wall", "cpu", "start", "scan", "finish", "output"]
med = {t: [statistics.median(r[i] for r in rs) for i in range(len(names))] for t, rs in runs.items()}
for t in sorted(med):
    m = med[t]
    rest = m[0] - sum(m[2:])
    print(f"threads {t}: " + "  ".join(f"{n} {x:.3f}" for n, x in zip(names, m)) + f"  (process start and exit: {rest:.3f})  n={len(runs[t])}")
if runs[1] and runs[2]:
    print(f"speed-up: whole process {med[1][0] / med[2][0]:.2f}x, scan phase {med[1][3] / med[2][3]:.2f}x")
EOF
