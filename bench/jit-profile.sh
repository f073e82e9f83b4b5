#!/usr/bin/env bash
# Instructions per function, JavaScript functions by name, for one igmpkit command: callgrind (valgrind)
# counts every instruction the process runs, which the machine's load does not move, and Node's
# --perf-basic-prof map names the engine's compiled code at the addresses callgrind reports. Prefixes
# as the engine writes them: `*` optimized (TurboFan), `^` baseline, `~` interpreted.
# The compiler runs on the main thread (as the launcher asks), so compiling shows as its own functions.
# Usage: npm run build && bench/jit-profile.sh OUT igmpkit-args...   (writes OUT.txt; needs valgrind, python3)
# Example: bench/jit-profile.sh /tmp/st stats --json bench/out/hosts-1000000-1000x10000.pcap && head -30 /tmp/st.txt
set -euo pipefail
out=$1
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
# (valgrind runs the program under its own process id: Node names its map file after that one, so runs
# side by side each find their own)
valgrind --tool=callgrind --callgrind-out-file="$out.cg" \
  node --perf-basic-prof --max-semi-space-size=8 --no-concurrent-recompilation "$root/bin/igmpkit.js" "$@" >/dev/null 2>"$out.err" &
pid=$!
wait "$pid"
map=/tmp/perf-$pid.map
[ -f "$map" ] || { echo "no $map from this run (see $out.err)" >&2; exit 1; }
callgrind_annotate --threshold=99.9 "$out.cg" >"$out.raw" 2>/dev/null
python3 - "$map" "$out.raw" >"$out.txt" <<'PY'
import bisect, re, sys
spans = []
for line in open(sys.argv[1]):
    start, size, name = line.rstrip("\n").split(" ", 2)
    spans.append((int(start, 16), int(size, 16), re.sub(r" file:.*/", " ", name)))
spans.sort()
starts = [s[0] for s in spans]
totals = {}
for line in open(sys.argv[2]):
    m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
    if not m:
        continue
    ir, where = int(m.group(1).replace(",", "")), m.group(2)
    if "PROGRAM TOTALS" in where:
        print(f"{ir:>15,} TOTAL")
        continue
    jit = re.match(r"\?\?\?:0x([0-9a-f]+) \[\?\?\?\]", where)
    if jit:
        a = int(jit.group(1), 16)
        i = bisect.bisect_right(starts, a) - 1
        name = spans[i][2] if i >= 0 and a < spans[i][0] + spans[i][1] else f"(unnamed code {hex(a)})"
    else:
        name = re.sub(r"^\?\?\?:", "", re.sub(r" \[[^]]*\]$", "", where))[:100]
    totals[name] = totals.get(name, 0) + ir
for name, ir in sorted(totals.items(), key=lambda x: -x[1]):
    print(f"{ir:>15,} {name}")
PY
rm -f "$map" "$out.raw"
echo "wrote $out.txt" >&2
