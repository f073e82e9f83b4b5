#!/usr/bin/env bash
# Instructions per function, JavaScript functions by name, for one igmpkit command: callgrind (valgrind)
# counts every instruction the process runs, which the machine's load does not move, and Node's
# --perf-basic-prof map names the engine's compiled code at the addresses callgrind reports. Prefixes
# as the engine writes them: `*` optimized (TurboFan), `^` baseline, `~` interpreted.
# The compiler runs on the main thread (as the launcher asks), so compiling shows as its own functions.
# --cache (first): callgrind also simulates the caches (the machine's L1 sizes, an 8 MB last level) and
# each function gets its instruction-cache misses (I1), data misses (D1, reads and writes), last-level
# misses (LL) and an estimate of its cycles, Ir + 10 per L1 miss + 100 per LL miss (cachegrind's own rule
# of thumb): what instructions alone do not show, such as hot code that no longer fits the instruction
# cache, in figures the machine's load does not move either. About twice as slow.
# Usage: npm run build && bench/jit-profile.sh [--cache] OUT igmpkit-args...   (writes OUT.txt; needs valgrind, python3)
# Example: bench/jit-profile.sh /tmp/st stats --json bench/out/hosts-1000000-1000x10000.pcap && head -30 /tmp/st.txt
set -euo pipefail
sim=()
if [ "${1:-}" = "--cache" ]; then
  sim=(--cache-sim=yes --LL=8388608,16,64)
  shift
fi
out=$1
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
# (valgrind runs the program under its own process id: Node names its map file after that one, so runs
# side by side each find their own)
valgrind --tool=callgrind "${sim[@]}" --callgrind-out-file="$out.cg" \
  node --perf-basic-prof --max-semi-space-size=8 --no-concurrent-recompilation "$root/bin/igmpkit.js" "$@" >/dev/null 2>"$out.err" &
pid=$!
wait "$pid"
map=/tmp/perf-$pid.map
[ -f "$map" ] || { echo "no $map from this run (see $out.err)" >&2; exit 1; }
show=Ir
[ ${#sim[@]} -gt 0 ] && show=Ir,I1mr,D1mr,D1mw,ILmr,DLmr,DLmw
callgrind_annotate --threshold=99.9 --show="$show" "$out.cg" >"$out.raw" 2>/dev/null
python3 - "$map" "$out.raw" "${#sim[@]}" >"$out.txt" <<'PY'
import bisect, re, sys
spans = []
for line in open(sys.argv[1]):
    start, size, name = line.rstrip("\n").split(" ", 2)
    spans.append((int(start, 16), int(size, 16), re.sub(r" file:.*/", " ", name)))
spans.sort()
starts = [s[0] for s in spans]
totals = {}
cache = sys.argv[3] != "0"
for line in open(sys.argv[2]):
    # a row: one count per event shown ("N (P%)", a bare 0, or "." for none), then where
    m = re.match(r"^((?:\s*(?:[\d,]+(?: \([^)]*\))?|\.)(?=\s))+)\s+(\D.*)$", line)
    if not m:
        continue
    counts = [0 if c == "." else int(c.replace(",", "")) for c in re.sub(r"\([^)]*\)", " ", m.group(1)).split()]
    where = m.group(2)
    if "PROGRAM TOTALS" in where:
        name = "TOTAL"
    else:
        jit = re.match(r"\?\?\?:0x([0-9a-f]+) \[\?\?\?\]", where)
        if jit:
            a = int(jit.group(1), 16)
            i = bisect.bisect_right(starts, a) - 1
            name = spans[i][2] if i >= 0 and a < spans[i][0] + spans[i][1] else f"(unnamed code {hex(a)})"
        else:
            name = re.sub(r"^\?\?\?:", "", re.sub(r" \[[^]]*\]$", "", where))[:100]
    t = totals.setdefault(name, [0] * len(counts))
    for k, c in enumerate(counts):
        t[k] += c
def est(t):
    # (counts: Ir, I1mr, D1mr, D1mw, ILmr, DLmr, DLmw)
    return t[0] + 10 * sum(t[1:4]) + 100 * sum(t[4:])
def row(t):
    if not cache:
        return f"{t[0]:>15,}"
    return f"{est(t):>15,} est {t[0]:>15,} Ir {t[1]:>12,} I1 {t[2] + t[3]:>12,} D1 {sum(t[4:]):>11,} LL"
if cache:
    print(f"{'cycles (est.)':>15}     {'instructions':>15}    {'L1i misses':>12}    {'L1d misses':>12}    {'LL misses':>11}")
order = sorted(totals.items(), key=lambda x: -est(x[1]) if cache else -x[1][0])
for name, t in order:
    print(f"{row(t)} {name}")
PY
rm -f "$map" "$out.raw"
echo "wrote $out.txt" >&2
