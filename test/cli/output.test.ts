import fc from "fast-check";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { FrameOutput, summaryKey } from "../../src/cli/output.js";
import { decodeFrame, encodeIgmpFrame, v2Report } from "../../src/wire/index.js";
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

describe("FrameOutput's flushes", () => {
  /** JSON Lines of `n` frames through `out`, flushing whenever it asks, as decode does. */
  async function lines(stdout: object, n: number): Promise<void> {
    const out = new FrameOutput({ json: true, verbose: false, all: false, time: "utc" }, { stdout, stderr: { write: () => true }, env: {} } as never);
    for (let i = 0; i < n; i++) {
      const f = encodeIgmpFrame({ message: v2Report(`239.1.${(i >> 8) & 255}.${i & 255}`), src: "198.18.0.2", macSrc: "02:00:00:00:00:01" });
      out.pushScanned(f, 0, f.length, f.length, 1, 1_763_700_000 + i, 0);
      if (out.wantsFlush) await out.flush();
    }
    await out.flush();
  }

  it("reuse the buffer only once the stream has written it, whatever the stream holds on to", async () => {
    const n = 4000; // several flushes
    const expected = Array.from({ length: n }, (_, i) => `"group":"239.1.${(i >> 8) & 255}.${i & 255}"`);
    // a stream that writes synchronously (as files and pipes on Linux) and one that holds each chunk a while
    const sync: Buffer[] = [];
    await lines(new Writable({ write: (c: Buffer, _e, cb) => (sync.push(Buffer.from(c)), cb()) }), n);
    const held: Buffer[] = [];
    const pending: (() => void)[] = [];
    const slow = new Writable({ highWaterMark: 1 << 30, write: (c: Buffer, _e, cb) => (held.push(c), pending.push(cb)) });
    await lines(slow, n);
    // let the stream write what it buffered, one chunk at a time, only now
    while (pending.length > 0) pending.shift()!();
    for (const [name, chunks] of [["sync", sync], ["held", held]] as const) {
      const text = Buffer.concat(chunks).toString("latin1").trimEnd().split("\n");
      expect(text.length, name).toBe(n);
      text.forEach((l, i) => expect(l, `${name} line ${i}`).toContain(expected[i]));
    }
  });
});
