// The fast JSON writer reads only the view; its text must be exactly JSON.stringify(decodeFrame()), and it
// must take every clean frame (the fast path is the general path for well-formed frames).
import fc from "fast-check";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/file.js";
import { FastJson, fastJsonBound, frameToJson } from "../../src/cli/fastjson.js";
import { decodeFrame, FrameView, IgmpType } from "../../src/wire/index.js";
import { anyFrame, commonMessage, ipv4 } from "../wire/arbitraries.js";
import { encodeIgmpFrame } from "../../src/wire/index.js";

const view = new FrameView();

/** The fast text of data[before, before+len) inside a larger buffer, or null when it declined. */
function fast(data: Uint8Array, linkType: number, sec: number, ns: number, n: number, before = 0): string | null {
  const big = new Uint8Array(before + data.length + 7).fill(0x5a);
  big.set(data, before);
  view.wrap(big, linkType, before, before + data.length);
  const out = new Uint8Array(fastJsonBound(data.length) + 3);
  const end = new FastJson().write(view, data.length + 4, sec, ns, n, out, 3);
  return end < 0 ? null : Buffer.from(out.subarray(3, end)).toString("latin1");
}

function check(data: Uint8Array, linkType: number, sec: number, ns: number, before = 0): boolean {
  const n = 7;
  const slow = JSON.stringify(decodeFrame({ data, linkType, wireLength: data.length + 4, timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(ns) }, n));
  const f = fast(data, linkType, sec, ns, n, before);
  if (f !== null) expect(f).toBe(slow);
  // every clean frame is written fast, but mtrace and RFC 9279 extensions
  const mtrace = view.type === IgmpType.mtraceRequest || view.type === IgmpType.mtraceResponse;
  if (view.clean && !mtrace && !view.hasAdditional) expect(f, slow).not.toBeNull();
  return f !== null;
}

const time = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }));

describe("the fast JSON is exactly JSON.stringify(decodeFrame())", () => {
  it("for generated frames of every kind on every link type, options and VLAN stacks, in a window", () => {
    let taken = 0;
    fc.assert(
      fc.property(anyFrame, time, fc.nat(9), ({ data, linkType }, [sec, ns], before) => {
        if (check(data, linkType, sec, ns, before)) taken++;
      }),
      { numRuns: 4000 },
    );
    expect(taken).toBeGreaterThan(200);
  });
  it("for the common messages over Ethernet with VLAN tags", () => {
    fc.assert(
      fc.property(commonMessage, ipv4, fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 3 }), time, (m, src, vlan, [sec, ns]) => {
        const f = encodeIgmpFrame({ message: m, src, dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", vlan });
        expect(check(f, 1, sec, ns)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
  it("for mutated and cut frames", () => {
    fc.assert(
      fc.property(anyFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), fc.nat(), time, (f, muts, cut, [sec, ns]) => {
        for (const [at, v] of muts) f.data[at % f.data.length] = v;
        check(f.data, f.linkType, sec, ns);
        check(f.data.subarray(0, cut % (f.data.length + 1)), f.linkType, sec, ns);
      }),
      { numRuns: 3000 },
    );
  });
  it("for every frame of every fixture, nearly all of which take the fast path", async () => {
    let n = 0;
    let taken = 0;
    for (const name of readdirSync("fixtures").filter((x) => /\.pcap(ng)?$/.test(x))) {
      for await (const fr of readCaptureFile(`fixtures/${name}`)) {
        const sec = Number(fr.timestampNs / 1_000_000_000n);
        const ns = Number(fr.timestampNs % 1_000_000_000n);
        n++;
        if (check(fr.data, fr.linkType, sec, ns)) taken++;
        expect(frameToJson(fr, 3)).toBe(JSON.stringify(decodeFrame(fr, 3)));
      }
    }
    expect(n).toBeGreaterThan(100);
    expect(taken / n).toBeGreaterThan(0.9);
  });
});
