// The layout a reader can trust: no import cycles anywhere in src/ (type-only imports count: they tie
// files together just the same), and each folder imports only what its layer may (STYLE.md: wire imports
// nothing of ours; pcap imports wire at most; host and monitor import wire; capture and cli anything;
// kernel, the /proc parsers and the wire-and-kernel join, imports wire and the monitor's snapshot).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { expect, test } from "vitest";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const graph = new Map<string, string[]>();
for (const f of files("src")) {
  const text = readFileSync(f, "utf8");
  const deps = [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms)].map((m) => normalize(join(dirname(f), m[1]!.replace(/\.js$/, ".ts"))));
  graph.set(f, deps);
}

test("no import cycles in src/", () => {
  const cycles: string[] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].join(" -> "));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  expect(cycles).toEqual([]);
});

test("each layer imports only the layers below it", () => {
  const allowed: Record<string, string[]> = { wire: ["wire"], pcap: ["pcap", "wire"], host: ["host", "wire"], monitor: ["monitor", "wire"], kernel: ["kernel", "wire", "monitor"] };
  const bad: string[] = [];
  for (const [f, deps] of graph) {
    const layer = relative("src", f).split("/")[0]!;
    const ok = allowed[layer];
    if (!ok) continue;
    for (const d of deps) if (!ok.includes(relative("src", d).split("/")[0]!)) bad.push(`${f} -> ${d}`);
  }
  expect(bad).toEqual([]);
});

test("the sans-IO folders touch no file, socket, process or clock", () => {
  const sansIo = ["wire", "pcap", "host", "monitor", "kernel"];
  const bad: string[] = [];
  for (const f of graph.keys()) {
    if (!sansIo.includes(relative("src", f).split("/")[0]!)) continue;
    // Code only: comments may name what the layer leaves to others.
    const code = readFileSync(f, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (const m of code.matchAll(/\bfrom\s+"(node:[^"]+|fs|child_process|net|dgram|os)"|\b(Date\.now|setTimeout|setInterval|Math\.random|process\.\w+|require)\s*\(?/g)) bad.push(`${f}: ${m[1] ?? m[2]}`);
  }
  expect(bad).toEqual([]);
});
