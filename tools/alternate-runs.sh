#!/usr/bin/env bash
# Times commands taking turns: round 1 runs each once, round 2 again, and so on, so drift on a
# shared machine hits all of them alike. Prints each command's median wall time (and range) and
# median CPU time (user + system of the command and everything it ran), taken with wait4 to the
# microsecond. Needs python3.
# WARM, a space-separated list of files and folders, is read into the page cache before every
# round, untimed (tools/lib/pagecache.py).
#   [WARM='FILE...'] tools/alternate-runs.sh ROUNDS 'command 1' 'command 2' ...
set -euo pipefail
python3 - "$(dirname "$0")/lib" "$@" <<'PY'
import os, statistics, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from pagecache import warm
rounds, commands = int(sys.argv[2]), sys.argv[3:]
warmed = os.environ.get("WARM", "").split()
runs = {k: [] for k in range(len(commands))}
for _ in range(rounds):
    warm(warmed)
    for k, cmd in enumerate(commands):
        began = time.perf_counter()
        # A non-zero exit is timed too (hunt exits 1 when it finds nothing).
        p = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        runs[k].append((time.perf_counter() - began, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)))
for k, cmd in enumerate(commands):
    walls = [w for w, _, _ in runs[k]]
    codes = sorted({c for _, _, c in runs[k]})  # shown, so a run that failed fast is not taken for a fast run
    print(f"wall {statistics.median(walls):.3f} s ({min(walls):.3f}-{max(walls):.3f})  cpu {statistics.median(c for _, c, _ in runs[k]):.3f} s  n={len(walls)}  exit {','.join(map(str, codes))}  {cmd}")
PY
