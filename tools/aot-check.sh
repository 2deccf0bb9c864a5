#!/usr/bin/env bash
# Publishes hunt twice, as README installs it (composite ReadyToRun) and with Native AOT, and checks
# that both give byte-identical results: the Arrow and Parquet detection files, --stdout ndjson and
# csv, and the summary (less its timings and memory), on data/sample, on its gzip/LZ4/zstd files
# cut short or followed by garbage (and its gzip files with a bad CRC-32, or zero-padded) (the damage checks: the gzip one reads .NET's zlib state by
# reflection, which trimming would remove unnoticed), and on any INPUT given. Then times both.
# Needs clang and zlib1g-dev (Native AOT links with them) and python3.
#   tools/aot-check.sh [INPUT...]
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/lib/machine.sh
rid=$(portable_rid)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo "aot-check: publishing for $rid into $work"
dotnet publish src/HuntEngine.Cli -c Release -r "$rid" --self-contained -o "$work/r2r" >"$work/r2r.log" 2>&1 || { cat "$work/r2r.log"; exit 2; }
# Every trimming/AOT warning on its own (the project silences Parquet.Net's summary codes): only
# Parquet.Net's CLR-schema reflection may warn, which hunt does not use.
dotnet publish src/HuntEngine.Cli -c Release -r "$rid" -p:PublishAot=true -p:TrimmerSingleWarn=false -p:TreatWarningsAsErrors=false -o "$work/aot" >"$work/aot.log" 2>&1 || { cat "$work/aot.log"; exit 2; }
if grep -E "warning (IL|AOT)[0-9]+" "$work/aot.log" | grep -v "Parquet" | sort -u | grep .; then echo "aot-check: the AOT publish warned outside Parquet.Net (above)"; exit 1; fi

# Damaged copies of the sample's compressed files: cut, trailing garbage, and for gzip a bad CRC-32 (and zero padding, which is not damage).
mkdir -p "$work/damaged"
for f in $(find data/sample -name '*.gz' -o -name '*.lz4' -o -name '*.zst' | sort); do
  b=$(basename "$f")
  head -c $(( $(stat -c %s "$f") / 2 )) "$f" > "$work/damaged/cut-$b"
  { cat "$f"; printf 'not a member\n'; } > "$work/damaged/trailing-$b"
  if [[ $f == *.gz ]]; then
    head -c 4096 /dev/zero | cat "$f" - > "$work/damaged/zero-padded-$b"
    # A CRC-32 trailer that does not match: the bytes decoded before it are read through the
    # inflater's private state (GzipEndCheck), which trimming must keep.
    cp "$f" "$work/damaged/bad-crc-$b"
    pos=$(( $(stat -c %s "$f") - 8 )); byte=$(od -An -tu1 -j "$pos" -N1 "$f" | tr -d ' ')
    printf "\\x$(printf %02x $(( byte ^ 0x55 )))" | dd of="$work/damaged/bad-crc-$b" bs=1 seek="$pos" conv=notrunc 2> /dev/null
  fi
done

strip_summary() { python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("elapsed_seconds", "phase_seconds", "mb_per_second_decompressed", "mb_per_second_compressed", "peak_working_set_bytes", "output"):
    s.pop(k, None)
print(json.dumps(s, sort_keys=True, indent=1))' "$1"; }

failed=0
check() { # name, then hunt arguments after "scan"
  local name=$1; shift
  for build in r2r aot; do
    local o="$work/out-$build-$name"; mkdir -p "$o"
    "$work/$build/hunt" scan "$@" -q -o "$o/d.arrow" --summary-json "$o/s.json" > /dev/null 2>&1 || echo "exit $?" > "$o/exit"
    "$work/$build/hunt" scan "$@" -q -o "$o/d.parquet" --format parquet > /dev/null 2>&1 || true
    "$work/$build/hunt" scan "$@" --stdout ndjson > "$o/d.ndjson" 2>/dev/null || true
    "$work/$build/hunt" scan "$@" --stdout csv > "$o/d.csv" 2>/dev/null || true
    strip_summary "$o/s.json" > "$o/s.stripped"
  done
  for f in d.arrow d.parquet d.ndjson d.csv s.stripped; do
    if ! cmp -s "$work/out-r2r-$name/$f" "$work/out-aot-$name/$f"; then echo "aot-check: $name: $f differs"; failed=1; fi
  done
  if ! cmp -s <(cat "$work/out-r2r-$name/exit" 2>/dev/null) <(cat "$work/out-aot-$name/exit" 2>/dev/null); then echo "aot-check: $name: exit status differs"; failed=1; fi
  echo "aot-check: $name: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["detections"], "detections,", s["failed_files"], "failed files")' "$work/out-aot-$name/s.json")"
}
check sample data/sample
check damaged "$work/damaged"
for input in "$@"; do check "$(basename "$input")" "$input"; done
[[ $failed == 0 ]] || { echo "aot-check: FAILED"; exit 1; }
echo "aot-check: identical results"

# Start-up and a whole run, taking turns.
tools/alternate-runs.sh 15 "$work/r2r/hunt scan data/sample -q -o $work/t.arrow" "$work/aot/hunt scan data/sample -q -o $work/t.arrow"
