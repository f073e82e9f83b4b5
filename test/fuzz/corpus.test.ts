/**
 * Every input that ever broke igmpkit, through every path (test/fuzz/targets.ts), with what reading it
 * must give. IGMPKIT_WRITE_CORPUS=1 rewrites the files from test/fuzz/corpus.ts first.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/file.js";
import { HostError, parseScenarioText } from "../../src/host/index.js";
import { CORPUS_DIR, EXPECTED, SCENARIOS, corpusFiles, writeCorpus } from "./corpus.js";
import { Rng } from "./mutate.js";
import { exercise } from "./targets.js";

if (process.env.IGMPKIT_WRITE_CORPUS === "1") writeCorpus();

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

describe("regression corpus", () => {
  const files = corpusFiles();
  it("holds every capture named in EXPECTED, and nothing unnamed", () => {
    expect(files.map(([n]) => n).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, bytes] of files) {
    it(name, async () => {
      const r = readCaptureFile(name, { source: once(bytes), fatal: "keep" });
      let n = 0;
      for await (const _ of r) n++;
      const want = EXPECTED[name]!;
      expect({ frames: n, fatal: r.fatal?.code, errors: r.errorCount || undefined }).toEqual({ frames: want.frames, fatal: want.fatal, errors: want.errors });
      const rng = new Rng(name.length);
      await exercise(bytes, () => rng.next());
    });
  }

  for (const [name, msg] of Object.entries(SCENARIOS)) {
    it(name, () => {
      const text = readFileSync(join(CORPUS_DIR, name), "utf8");
      let err: unknown;
      try {
        parseScenarioText(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HostError);
      expect((err as HostError).message).toMatch(msg);
    });
  }
});
