// One run of a program under GNU time: wall and CPU seconds (user + system) and peak RSS, for the
// benchmarks that compare commands side by side (monitor-lint.mjs, stats-steady.mjs).
import { spawnSync } from "node:child_process";

/** Run `program args` (by default the igmpkit launcher, as a user runs it: its shebang's Node flags apply). */
export function measure(args, program = "bin/igmpkit.js") {
  const r = spawnSync("/usr/bin/time", ["-v", program, ...args], { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 26 });
  const err = r.stderr.toString();
  const wall = err.match(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/);
  const secs = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  const rss = Number(err.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1] ?? NaN) / 1024;
  const user = Number(err.match(/User time \(seconds\): ([\d.]+)/)?.[1] ?? NaN);
  const sys = Number(err.match(/System time \(seconds\): ([\d.]+)/)?.[1] ?? NaN);
  return { secs, cpu: user + sys, rss, status: r.status, stderr: err };
}
