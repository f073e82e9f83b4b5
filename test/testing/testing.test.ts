/** igmpkit/testing: membership at a time, responses to queries, the CLI's filters, the matchers. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCapture } from "../../src/capture/read.js";
import { runCli } from "../../src/cli/main.js";
import {
  igmpkitMatchers,
  lintCapture,
  membersOf,
  membershipAt,
  queryResponses,
  selectFrames,
  type IgmpkitMatchers,
} from "../../src/testing/index.js";
import { v2Query, v2Report, v3Query, v3Report } from "../../src/wire/index.js";
import { captureIo } from "../cli/helpers.js";
import { frames, type At } from "../monitor/helpers.js";

declare module "vitest" {
  interface Assertion<T> extends IgmpkitMatchers<T> {}
}
expect.extend(igmpkitMatchers);

const FRR3 = "fixtures/frr-pimd-igmpv3.pcap";
const KERNEL3 = "fixtures/kernel-igmpv3-host.pcap";
const H = "198.18.15.2";

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const x of items) yield await Promise.resolve(x);
}

describe("membershipAt", () => {
  it("FRR v3: 5 s in the host holds its three groups; at the end it has left them", async () => {
    const joined = await membershipAt(FRR3, 5, { excludeLinkLocal: true });
    expect(joined.groups.map((g) => [g.group, g.filterMode, g.reporters, g.sources.map((s) => s.source)])).toEqual([
      ["232.5.5.1", "include", [H], ["198.18.5.9", "198.18.5.10"]],
      ["239.5.5.1", "exclude", [H], []],
      ["239.5.5.2", "exclude", [H], []],
    ]);
    expect(joined.querier?.address).toBe("198.18.15.1");
    const end = await membershipAt(FRR3, undefined, { excludeLinkLocal: true });
    expect(end.groups).toEqual([]);
    // FRR's own 224.0.0.x joins stay unless left out
    expect((await membershipAt(FRR3)).groups.map((g) => g.group)).toEqual(["224.0.0.2", "224.0.0.13", "224.0.0.22"]);
  });

  it("a time as decode prints it, the same view as seconds after the first frame", async () => {
    const first = (await readCapture(FRR3))[0]!.time;
    const [s, ns] = first.split(".");
    const abs = `${Number(s) + 5}.${ns}`;
    expect(await membershipAt(FRR3, abs)).toEqual(await membershipAt(FRR3, 5));
  });

  it("group and host narrow the view; type is refused", async () => {
    const v = await membershipAt(FRR3, 5, { group: "239.5.5.2" });
    expect(v.groups.map((g) => g.group)).toEqual(["239.5.5.2"]);
    expect(membersOf(v, "239.5.5.2")).toEqual([H]);
    expect(membersOf(v, "239.5.5.1")).toEqual([]);
    expect((await membershipAt(FRR3, 5, { host: "198.18.15.1" })).groups.map((g) => g.group)).toEqual(["224.0.0.2", "224.0.0.13", "224.0.0.22"]);
    await expect(membershipAt(FRR3, 5, { type: "query" })).rejects.toThrow(/type/);
  });

  it("streams from an async iterable and stops reading at T", async () => {
    const list = await readCapture(FRR3);
    let read = 0;
    async function* counted() {
      for (const f of list) {
        read++;
        yield f;
      }
    }
    const v = await membershipAt(counted(), 5, { excludeLinkLocal: true });
    expect(v.groups).toHaveLength(3);
    expect(read).toBeLessThan(list.length);
    expect(await membershipAt(slowly(list), 5, { excludeLinkLocal: true })).toEqual(v);
  });

  it("timers run to T: a member that stops reporting is gone after the membership interval", async () => {
    const list: At[] = [
      { t: 0, src: "198.18.0.1", message: v2Query({ maxRespTime: 10 }) },
      { t: 1, src: "198.18.0.2", message: v2Report("239.1.1.1") },
      { t: 300, src: "198.18.0.1", message: v2Query({ maxRespTime: 10 }) },
    ];
    expect(await membershipAt(frames(list), 200)).toHaveMember("239.1.1.1", "198.18.0.2");
    // 2 x 125 + 10 = 260 s after the report
    expect(await membershipAt(frames(list), 262)).not.toHaveMember("239.1.1.1");
  });
});

describe("queryResponses", () => {
  it("FRR v3: the general query answered by the host in 0.86 s of 1 s, no member silent", async () => {
    const all = await queryResponses(FRR3, { excludeLinkLocal: true });
    const general = all.filter((r) => r.query.group === null);
    expect(general).toHaveLength(1);
    expect(general[0]!.query).toMatchObject({ frame: 9, querier: "198.18.15.1", version: 3, maxRespTimeMs: 1000 });
    expect(general[0]!.responses.map((r) => [r.host, r.group, r.frame, r.delayMs, r.late])).toEqual([
      [H, "239.5.5.2", 11, 860.503, false],
      [H, "232.5.5.1", 11, 860.503, false],
      [H, "239.5.5.1", 11, 860.503, false],
    ]);
    expect(general[0]!.silent).toEqual([]);
    expect(all).toAnswerWithin();
    // The router answers too, for its own link-local groups, unless they are left out.
    const withLl = (await queryResponses(FRR3, { query: 9 }))[0]!;
    expect(withLl.responses.map((r) => r.group)).toEqual(["224.0.0.13", "224.0.0.22", "224.0.0.2", "239.5.5.2", "232.5.5.1", "239.5.5.1"]);
  });

  it("a late answer and a silent member", async () => {
    const list: At[] = [
      { t: 0, src: "198.18.0.2", message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.1.1.1" }]) },
      { t: 0.1, src: "198.18.0.3", message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.1.1.2" }]) },
      { t: 10, src: "198.18.0.1", message: v3Query({ maxRespTime: 2 }) },
      { t: 12.5, src: "198.18.0.2", message: v3Report([{ type: "MODE_IS_EXCLUDE", group: "239.1.1.1" }]) },
      { t: 20, src: "198.18.0.1", message: v3Query({ maxRespTime: 2 }) },
    ];
    const [q1, q2] = await queryResponses(frames(list));
    expect(q1!.responses).toEqual([expect.objectContaining({ host: "198.18.0.2", group: "239.1.1.1", delayMs: 2500, late: true })]);
    expect(q1!.silent).toEqual([{ host: "198.18.0.3", group: "239.1.1.2" }]);
    expect(q1!.complete).toBe(true);
    expect(q2!.complete).toBe(false); // the capture ends at the query
    expect(() => expect([q1]).toAnswerWithin(1000)).toThrow(/198\.18\.0\.3, a member of 239\.1\.1\.2, did not answer the query of frame 3/);
    expect(() => expect([q1]).toAnswerWithin()).toThrow(/198\.18\.0\.2 answered the query of frame 3 for 239\.1\.1\.1 after 2500 ms \(Max Resp Time 2000 ms\)/);
    // the host filter keeps that host's answers and silences
    const [only] = await queryResponses(frames(list), { host: "198.18.0.3", query: 3 });
    expect([only!.responses, only!.silent]).toEqual([[], [{ host: "198.18.0.3", group: "239.1.1.2" }]]);
    expect(only).not.toAnswerWithin(5000);
  });
});

describe("filters: the CLI's --type/--group/--host", () => {
  for (const [flags, filter] of [
    [["--type", "query"], { type: "query" }],
    [["--type", "report,leave"], { type: ["report", "leave"] }],
    [["--group", "239.5.5.2"], { group: "239.5.5.2" }],
    [["--host", "198.18.15.1"], { host: "198.18.15.1" }],
    [["--type", "v3-report", "--group", "232.5.5.1", "--host", H], { type: "v3-report", group: "232.5.5.1", host: H }],
  ] as const) {
    it(flags.join(" "), async () => {
      const { io, out } = captureIo();
      expect(await runCli(["decode", "--json", ...flags, FRR3], io)).toBe(0);
      const cliFrames = out.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { frame: number }).frame);
      const ours: number[] = [];
      for await (const f of selectFrames(FRR3, filter as never)) ours.push(f.frame);
      expect(ours).toEqual(cliFrames);
      expect(ours.length).toBeGreaterThan(0);
    });
  }
  it("an unknown --type is refused as the CLI refuses it", async () => {
    await expect(async () => {
      for await (const _ of selectFrames(FRR3, { type: "queries" })) void _;
    }).rejects.toThrow(/unknown --type "queries"/);
  });
});

describe("matchers", () => {
  it("toHaveNoFindings: passes on a clean capture, fails with the findings listed", async () => {
    expect(await lintCapture(FRR3)).toHaveNoFindings();
    const bad = await lintCapture(join("fixtures/rules", "last-member-queries.pcap"));
    expect(bad).toHaveNoFindings("error");
    expect(() => expect(bad).toHaveNoFindings("warning")).toThrow(/expected no findings at or above warning, found 2:\n {2}warning last-member-queries: frame 6, 7: after leave/);
    expect(() => expect("x").toHaveNoFindings()).toThrow(TypeError);
  });

  it("toHaveMember fails where it should, naming what the router holds", async () => {
    const kernel = await membershipAt(KERNEL3, 2, { excludeLinkLocal: true });
    expect(kernel).toHaveMember("239.3.3.1", "198.18.13.2");
    expect(() => expect(kernel).toHaveMember("239.5.5.1", H)).toThrow(/expected the router to hold 239\.5\.5\.1 reported by 198\.18\.15\.2 at .*; it holds:\n {2}232\.3\.3\.1 \(include\) members 198\.18\.13\.2\n {2}239\.3\.3\.1 \(exclude\) members 198\.18\.13\.2/);
    expect(() => expect(kernel).toHaveMember("239.3.3.1", "198.18.13.9")).toThrow(/reported by 198\.18\.13\.9/);
    expect(() => expect(kernel).not.toHaveMember("239.3.3.1")).toThrow(/not to hold 239\.3\.3\.1/);
  });
});
