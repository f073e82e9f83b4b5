/**
 * The report's model at scale, as the page carries it: the busiest groups drawn one by one in order of
 * activity, every other group summed into one series, a group's long series decimated keeping its peak,
 * the tables cut to their rows while the counts stay whole.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { openCaptureWriter } from "../../src/capture/file";
import { encodeIgmpFrame, v3Report } from "../../src/wire";
import { cli } from "../cli/helpers";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const G = 500;
const group = (i: number) => `239.3.${i >> 8}.${i & 255}`;
/** Six groups busier than the rest, by how many reports name them. */
const BUSY: Record<number, number> = { 17: 100, 3: 90, 250: 80, 499: 70, 42: 60, 100: 50 };

it("report at scale: the busiest groups first, the rest summed, long series decimated keeping the peak, tables cut", async () => {
  const dir = mkdtempSync(join(tmpdir(), "igmpkit-report-model-"));
  try {
    const file = join(dir, "lan.pcap");
    const w = openCaptureWriter(file, { linkType: 1 });
    let t = 0;
    const put = (src: string, records: Parameters<typeof v3Report>[0]) => {
      const data = encodeIgmpFrame({ message: v3Report(records), src, macSrc: "02:00:00:00:00:02" });
      w.write({ timestampNs: BigInt(1_800_000_000) * 1_000_000_000n + BigInt(t++) * 1_000_000n, wireLength: data.length, data, linkType: 1 });
    };
    // every group joined by one host; the busy ones reported again and again
    for (let i = 0; i < G; i++) put("198.18.0.2", [{ type: "MODE_IS_EXCLUDE", group: group(i) }]);
    for (const [i, n] of Object.entries(BUSY)) for (let k = 1; k < n; k++) put("198.18.0.2", [{ type: "MODE_IS_EXCLUDE", group: group(Number(i)) }]);
    // the busiest of all: a second host joins and leaves it 3,000 times (members 1, 2, 1, 2, ...)
    for (let k = 0; k < 3000; k++) {
      put("198.18.0.3", [{ type: "CHANGE_TO_EXCLUDE_MODE", group: group(7) }]);
      put("198.18.0.3", [{ type: "CHANGE_TO_INCLUDE_MODE", group: group(7) }]);
    }
    w.close();

    const out = join(dir, "r.html");
    const r = await cli(["report", file, "-o", out, "--groups", "5"]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, "utf8");
    const m = (JSON.parse(/<script type="application\/json" id="igmpkit-model">(.*?)<\/script>/s.exec(html)![1]!) as Json[])[0]!;

    // the five busiest, busiest first: 239.3.0.7 (6,001 records), then by BUSY
    expect(m.groups.map((g: Json) => g.group)).toEqual([group(7), group(17), group(3), group(250), group(499)]);
    expect(m.groups.map((g: Json) => g.activity)).toEqual([6001, 100, 90, 80, 70]);
    // its 6,000 member changes decimated to the limit, the peak (2) kept, ending at 1 member
    const g7 = m.groups[0];
    expect(g7.t.length).toBeLessThanOrEqual(m.limits.points + 1);
    expect(Math.max(...g7.members)).toBe(2);
    expect(g7.members.at(-1)).toBe(1);
    // every other group summed: 495 groups of one member each
    expect(m.rest.groups).toBe(G - 5);
    expect(m.rest.members.at(-1)).toBe(G - 5);
    expect(m.rest.active.at(-1)).toBe(G - 5);
    expect(m.rest.t.length).toBeLessThanOrEqual(m.limits.points + 1);
    // tables cut to 200 rows, the counts whole; the page names the number of groups
    expect(m.stats.groups).toHaveLength(m.limits.rows);
    expect(m.stats.groups[0].group).toBe(group(7));
    expect(html).toContain(`${G} groups`);
    expect(html.length).toBeLessThan(300 * 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
