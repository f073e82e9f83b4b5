/** The filter expression judged from the view (fast writers) exactly as on the decoded frame. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateFilter, evaluateOnView, parseFilter, type FilterNode } from "../../src/cli/filter-expr.js";
import { decodeFrameDetail, encodeIgmpFrame, FrameView } from "../../src/wire/index.js";
import { anyFrame, commonMessage, igmpMessage } from "../wire/arbitraries.js";

const addrs = ["198.18.0.1", "198.18.0.2", "198.18.1.5", "224.0.0.22", "224.0.0.1", "239.1.1.1", "239.2.2.2", "232.1.1.1"];
const macs = ["02:00:00:00:00:01", "02:00:00:00:00:02", "01:00:5e:00:00:16"];
const dir = fc.constantFrom("src", "dst", "either", "both") as fc.Arbitrary<"src" | "dst" | "either" | "both">;

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record({ op: fc.constant("host" as const), dir, addr: fc.constantFrom(...addrs) }),
  fc.constantFrom("198.18.0.0/24", "198.18.0.0/15", "224.0.0.0/8", "239.0.0.0/8", "0.0.0.0/0").chain((n) => dir.map((d) => parseFilter(`${d === "either" ? "" : d === "both" ? "src and dst" : d} net ${n}`))),
  fc.record({ op: fc.constant("ether" as const), dir, mac: fc.constantFrom(...macs) }),
  fc.record({ op: fc.constant("vlan" as const), depth: fc.integer({ min: 0, max: 2 }), id: fc.constantFrom(null, 10, 20, 100) }),
  fc.constant({ op: "ip" } as FilterNode),
  fc.record({ op: fc.constant("proto" as const), proto: fc.constantFrom(2, 17) }),
  fc.constantFrom("query", "report", "leave", "v1", "v2", "v3").map((w) => parseFilter(w)),
  fc.record({ op: fc.constant("group" as const), group: fc.constantFrom(...addrs, "0.0.0.0") }),
);
const expr: fc.Arbitrary<FilterNode> = fc.letrec<{ e: FilterNode }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ op: fc.constantFrom("and" as const, "or" as const), left: tie("e"), right: tie("e") }),
    fc.record({ op: fc.constant("not" as const), arg: tie("e") }),
  ),
})).e;

const frame = fc.oneof(
  fc
    .record({
      m: fc.oneof(igmpMessage, commonMessage),
      src: fc.constantFrom(...addrs.slice(0, 3)),
      dst: fc.constantFrom(...addrs.slice(3)),
      mac: fc.constantFrom(...macs.slice(0, 2)),
      vlan: fc.array(fc.constantFrom(10, 20, 100), { maxLength: 2 }),
    })
    .map(({ m, src, dst, mac, vlan }) => ({ linkType: 1, data: encodeIgmpFrame({ message: m, src, dst, macSrc: mac, vlan }) })),
  anyFrame,
);

describe("filter expressions on the view", () => {
  it("agree with the decoded frame wherever the view can tell, and it can for most clean frames", () => {
    const v = new FrameView();
    let told = 0;
    fc.assert(
      fc.property(frame, expr, (f, e) => {
        v.wrap(f.data, f.linkType);
        const fast = evaluateOnView(e, v);
        if (fast === undefined) return;
        told++;
        expect(fast).toBe(evaluateFilter(e, decodeFrameDetail({ data: f.data, linkType: f.linkType })));
      }),
      { numRuns: 5000 },
    );
    expect(told).toBeGreaterThan(1000); // (about a quarter of random frames are clean queries, reports or leaves)
  });
});
