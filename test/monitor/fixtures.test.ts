/** Real captures from the Linux kernel, the Linux bridge and FRR pimd: no error findings, and a sane router view. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lint, monitor } from "../../src/monitor/index.js";
import { readCapture } from "../../src/capture/read.js";

const DIR = join(import.meta.dirname, "../../fixtures");
const FILES = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f));

describe("real captures", () => {
  it("are present", () => {
    expect(FILES.length).toBeGreaterThan(0);
  });
  for (const name of FILES) {
    it(`${name}: no error findings`, async () => {
      const frames = await readCapture(join(DIR, name));
      const findings = lint(frames);
      if (process.env.IGMPKIT_SHOW_FINDINGS) console.log(name, JSON.stringify(findings, null, 1));
      expect(findings.filter((f) => f.severity === "error")).toEqual([]);
      const { snapshot } = monitor(frames);
      expect(Array.isArray(snapshot.groups)).toBe(true);
    });
  }
});
