import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameOutput, summaryKey } from "../../src/cli/output.js";
import { decodeFrame } from "../../src/wire/index.js";
import { anyFrame } from "../wire/arbitraries.js";

const sink = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} } as never;

describe("FrameOutput's summary", () => {
  it("counts every kind as the decoded frames say, keys in the order first seen, whichever path wrote the frame", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anyFrame, fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { nil: undefined })), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (frames, json) => {
          const out = new FrameOutput({ json, verbose: false, all: false, time: "utc" }, sink);
          const byKind: Record<string, number> = {};
          let igmp = 0;
          for (const [f, mut] of frames) {
            // a mutated byte makes a checksum or a field bad now and then: the general path counts those
            if (mut) f.data[mut[0] % f.data.length] = mut[1];
            out.pushScanned(f.data, 0, f.data.length, f.data.length, f.linkType, 1_763_700_000, 5);
            const key = summaryKey(decodeFrame({ data: f.data, linkType: f.linkType }));
            if (key === null) continue;
            igmp++;
            byKind[key] = (byKind[key] ?? 0) + 1;
          }
          const s = out.summary;
          expect(s.frames).toBe(frames.length);
          expect(s.igmp).toBe(igmp);
          expect(JSON.stringify(s.byKind)).toBe(JSON.stringify(byKind));
        },
      ),
      { numRuns: 300 },
    );
  });
});
