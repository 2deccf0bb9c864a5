#!/usr/bin/env bash
# Times `hunt scan` with 1 and 2 worker threads, taking turns, and prints for each the median
# whole-process wall time and the medians of the summary's phase_seconds (doc/summary-schema.md),
# so what scales (scan) and what every run pays once (process start, start, finish, output) are
# seen apart. Needs GNU time (/usr/bin/time) and python3.
#   tools/thread-phases.sh ROUNDS HUNT INPUT...     (HUNT: a published hunt, e.g. sc/hunt)
set -euo pipefail
rounds=$1; hunt=$2; shift 2
[[ -x /usr/bin/time ]] || { echo "thread-phases: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for t in 1 2; do
    # hunt exits 1 when it finds nothing: timed all the same.
    /usr/bin/time -o "$work/t" -f '%e' "$hunt" scan "$@" -q -o "$work/o.arrow" --threads "$t" --summary-json "$work/s.json" >/dev/null 2>&1 || true
    wall=$(tail -n 1 "$work/t")
    echo "$t $wall $(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["phase_seconds"]; print(p["start"], p["scan"], p["finish"], p["output"])' "$work/s.json")"
  done
done | python3 -c '
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in sys.stdin:
    t, *v = line.split()
    runs[int(t)].append([float(x) for x in v])
names = ["wall", "start", "scan", "finish", "output"]
med = {t: [statistics.median(r[i] for r in rs) for i in range(len(names))] for t, rs in runs.items()}
for t in sorted(med):
    m = med[t]
    print(f"threads {t}: " + "  ".join(f"{n} {x:.3f}" for n, x in zip(names, m)) + f"  (process start and exit: {m[0] - sum(m[1:]):.3f})  n={len(runs[t])}")
if 1 in med and 2 in med:
    print(f"speed-up: whole process {med[1][0] / med[2][0]:.2f}x, scan phase {med[1][2] / med[2][2]:.2f}x")
'
