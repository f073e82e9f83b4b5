// MembershipMessage, filled from the checked view (the monitor's, lint's and stats' hot path) and reused
// frame after frame, holds each v3 record's sources as the full decode does, whatever the frame before held.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MembershipMessage } from "../../src/monitor/message.js";
import { decodeFrame, encodeIgmpFrame, FrameView, v3Report } from "../../src/wire/index.js";

const RECORD_TYPES = ["MODE_IS_INCLUDE", "MODE_IS_EXCLUDE", "CHANGE_TO_INCLUDE_MODE", "CHANGE_TO_EXCLUDE_MODE", "ALLOW_NEW_SOURCES", "BLOCK_OLD_SOURCES"] as const;
const addr = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
const record = fc.record({
  type: fc.constantFrom(...RECORD_TYPES),
  group: fc.tuple(fc.integer({ min: 224, max: 239 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join(".")),
  sources: fc.array(addr, { maxLength: 6 }),
});

describe("MembershipMessage.fromView", () => {
  it("reused over reports of more and fewer sources: every record's sources as decodeFrame gives them", () => {
    fc.assert(
      fc.property(fc.array(fc.array(record, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 6 }), (reports) => {
        const view = new FrameView();
        const m = new MembershipMessage();
        reports.forEach((records, i) => {
          const data = encodeIgmpFrame({ message: v3Report(records), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
          view.wrap(data, 1, 0, data.length);
          m.fromView(view, i + 1, 1_700_000_000, 0);
          const decoded = new MembershipMessage();
          decoded.fromDecoded(decodeFrame({ data, linkType: 1, wireLength: data.length, timestampNs: 1_700_000_000_000_000_000n }, i + 1));
          expect(m.recordCount).toBe(records.length);
          for (let r = 0; r < records.length; r++) expect(m.sourcesOf(r)).toEqual(decoded.sourcesOf(r));
          // the records' sources follow each other in both (the statistics' memo checks them all at once)
          for (const x of [m, decoded]) {
            expect(x.recordStart[0]).toBe(0);
            for (let r = 1; r < records.length; r++) expect(x.recordStart[r]).toBe(x.recordEnd[r - 1]);
            expect(x.recordEnd[records.length - 1]).toBe(records.reduce((k, rec) => k + rec.sources.length, 0));
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
