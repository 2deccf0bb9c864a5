#!/usr/bin/env bash
# Installs `hunt` for real work: publishes it once into DIR (default ~/.local/hunt) and checks that
# the result hunts data/sample. The build is the fastest this machine can run:
#   - Native AOT (one native executable, no runtime start, no JIT: about 75 ms less per run, which
#     is what the thread-scaling and compressed-throughput figures of README "Performance" need)
#     where clang can link it against zlib and, on x64, the CPU has AVX2 (it is compiled for x86-64-v3);
#   - otherwise composite ReadyToRun (the runtime and hunt precompiled into one image, self-contained).
# Both give byte-identical results (tools/aot-check.sh, which CI runs). HUNT_BUILD=r2r or
# HUNT_BUILD=aot forces one (aot fails if the machine cannot build it).
#   tools/install.sh [DIR]
set -euo pipefail
# The folder as the caller named it (a relative one from where they stand), before moving to the repository.
dir=$(realpath -m -- "${1:-${HOME:?set HOME, or give the folder}/.local/hunt}")
cd "$(dirname "$0")/.."
source tools/lib/machine.sh
rid=$(portable_rid)

build=${HUNT_BUILD:-}
if [[ -z $build ]]; then
  why=$(aot_obstacle)
  if [[ -z $why ]]; then build=aot; else build=r2r; echo "install: composite ReadyToRun, not Native AOT: $why"; fi
fi
case $build in aot|r2r) ;; *) echo "install: HUNT_BUILD must be aot or r2r, not '$build'" >&2; exit 2 ;; esac
echo "install: publishing hunt ($build, $rid) into $dir"
if [[ $build == aot ]]; then
  dotnet publish src/HuntEngine.Cli -c Release -r "$rid" -p:PublishAot=true -o "$dir"
else
  dotnet publish src/HuntEngine.Cli -c Release -r "$rid" --self-contained -o "$dir"
fi

# The installed hunt on the shipped sample: exit 0 means it ran and found detections.
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$dir/hunt" scan data/sample -q -o "$work/d.arrow" --summary-json "$work/s.json" > /dev/null \
  || { code=$?; echo "install: $dir/hunt was published but its hunt of data/sample failed (exit $code)" >&2; exit 1; }
found=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["detections"])' "$work/s.json" 2> /dev/null || echo "?")
echo "install: $dir/hunt works ($found detections on data/sample); run: $dir/hunt scan DIR"
