/**
 * The fuzzer: structure-aware mutations (test/fuzz/mutate.ts) of real captures, hostile files and the
 * regression corpus, each through every command's library path (test/fuzz/targets.ts). Bounded time:
 * IGMPKIT_FUZZ_SECONDS (default 15) and a seed, IGMPKIT_FUZZ_SEED (fixed in CI, else random and printed),
 * so that a failure can be replayed. A failing input is written to the temp directory and named in the
 * failure; keep a small version of it in test/fuzz/corpus (see corpus.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { Rng, mutate } from "./mutate.js";
import { corpusFiles } from "./corpus.js";
import { exercise } from "./targets.js";

const SECONDS = Number(process.env.IGMPKIT_FUZZ_SECONDS ?? 15);
const SEED = Number(process.env.IGMPKIT_FUZZ_SEED ?? (process.env.CI ? 15 : Math.floor(Math.random() * 2 ** 31)));

function seeds(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const f of readdirSync("fixtures")) if (/\.pcap(ng)?$/.test(f)) out.push({ name: `fixtures/${f}`, bytes: new Uint8Array(readFileSync(join("fixtures", f))) });
  for (const [name, bytes] of corpusFiles()) if (bytes.length < 256 * 1024) out.push({ name: `corpus/${name}`, bytes });
  return out;
}

it(`survives ${SECONDS} s of structure-aware mutations (seed ${SEED})`, async () => {
  const r = new Rng(SEED);
  const base = seeds();
  expect(base.length).toBeGreaterThan(10);
  const until = performance.now() + SECONDS * 1000;
  let runs = 0;
  const applied = new Map<string, number>();
  while (performance.now() < until) {
    const seed = base[r.below(base.length)]!;
    const m = mutate(seed.bytes, r);
    for (const a of m.applied) applied.set(a, (applied.get(a) ?? 0) + 1);
    try {
      // an input that hangs a path is a failure too
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        exercise(m.bytes, () => r.next()),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000))),
      ]).finally(() => clearTimeout(timer));
    } catch (e) {
      const file = join(mkdtempSync(join(tmpdir(), "igmpkit-fuzz-")), "input.bin");
      writeFileSync(file, m.bytes);
      throw new Error(`fuzz run ${runs} (seed ${SEED}) on ${seed.name} after ${m.applied.join(", ")}: ${(e as Error).stack}\ninput kept in ${file}`);
    }
    runs++;
  }
  console.log(`fuzz: ${runs} inputs in ${SECONDS} s, seed ${SEED}; ${[...applied].map(([k, n]) => `${k} ${n}`).join(", ")}`);
  expect(runs).toBeGreaterThan(SECONDS * 5);
  // every mutation got exercised
  expect(applied.size).toBe(10);
}, (SECONDS + 60) * 1000);
