#!/usr/bin/env bash
# Times commands taking turns: round 1 runs each once, round 2 again, and so on, so drift on a
# shared machine hits all of them alike. Prints each command's median wall time (and range) and
# median CPU time (user + system). Needs GNU time (/usr/bin/time, Debian package "time") and python3.
#   tools/alternate-runs.sh ROUNDS 'command 1' 'command 2' ...
set -euo pipefail
rounds=$1; shift
[[ -x /usr/bin/time ]] || { echo "alternate-runs: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
for ((r = 1; r <= rounds; r++)); do
  k=0
  for cmd in "$@"; do
    k=$((k + 1))
    # A non-zero exit is timed too (hunt exits 1 when it finds nothing).
    { /usr/bin/time -f "$k %e %U %S" bash -c "$cmd" 2>&1 >/dev/null || true; } | tail -n 1
  done
done | python3 -c '
import sys, collections, statistics
runs = collections.defaultdict(list)
for line in sys.stdin:
    k, wall, user, system = line.split()
    runs[int(k)].append((float(wall), float(user) + float(system)))
commands = sys.argv[1:]
for k in sorted(runs):
    v = runs[k]
    walls = [w for w, _ in v]
    print(f"wall {statistics.median(walls):.3f} s ({min(walls):.3f}-{max(walls):.3f})  cpu {statistics.median(c for _, c in v):.3f} s  n={len(v)}  {commands[k - 1]}")
' "$@"
