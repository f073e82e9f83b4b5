// igmpkit stats --text: record types by the short names of the one record-type table (GROUP_RECORD_TYPES).
import { expect, it } from "vitest";
import { cli } from "./helpers.js";

it("names each group's and host's records IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK, with their counts", async () => {
  const r = await cli(["stats", "--text", "fixtures/kernel-igmpv3-host.pcap"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^239\.3\.3\.1 .* IS_EX 3 TO_IN 2 TO_EX 2 BLOCK 2 /m);
  expect(r.stdout).toMatch(/^232\.3\.3\.1 .* IS_IN 2 ALLOW 4 BLOCK 4 /m);
  expect(r.stdout).toMatch(/^198\.18\.13\.2 .* IS_IN 2 IS_EX 3 TO_IN 2 TO_EX 2 ALLOW 4 BLOCK 6 /m);
});

it("text times are local time of day as decode prints them (--utc for UTC); --utc with --json is refused", async () => {
  const f = "fixtures/kernel-igmpv2-host.pcap";
  const before = process.env.TZ;
  process.env.TZ = "America/New_York";
  try {
    const first = (await cli(["decode", "-c", "1", f])).stdout.slice(0, 15);
    expect(first).toBe("01:05:30.738810"); // tcpdump's under this TZ (decode is held to tcpdump in tcpdump-habits.test.ts)
    const local = await cli(["stats", "--text", f]);
    expect(local.stdout.split("\n")[0]).toMatch(new RegExp(`; ${first.replace(/\./g, "\\.")} to 01:05:35\\.013027$`));
    expect(local.stdout).toMatch(/^239\.2\.2\.1 .* 01:05:30\.738810  01:05:34\.511192$/m);
    const utc = await cli(["stats", "--text", "--utc", f]);
    expect(utc.stdout.split("\n")[0]).toMatch(/; 06:05:30\.738810 to 06:05:35\.013027$/);
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
  const bad = await cli(["stats", "--json", "--utc", f]);
  expect(bad.code).toBe(2);
  expect(JSON.parse(bad.stderr)).toEqual({ error: "--utc shapes the text tables; --json gives exact epoch seconds", code: "usage" });
});

it("stats --json is written in pieces, the same text as the whole object's JSON, whatever the file is called", async () => {
  const { readCapture } = await import("../../src/capture/read.js");
  const { StatsCollector } = await import("../../src/monitor/stats.js");
  const { writeStatsJson } = await import("../../src/cli/stats.js");
  const { readdirSync } = await import("node:fs");
  const { decodeFrame, encodeIgmpFrame, v3Report } = await import("../../src/wire/index.js");
  const files = readdirSync("fixtures").filter((f) => /\.pcap(ng)?$/.test(f));
  expect(files.length).toBeGreaterThan(5);
  // and 6,000 groups: several pieces of the writer
  // (every record type, an unknown one too, and a VLAN beside the untagged LAN)
  const many = Array.from({ length: 300 }, (_, i) => {
    const records = Array.from({ length: 20 }, (_, k) => ({ type: k % 10 === 9 ? 9 : 1 + (k % 6), group: `239.9.${(20 * i + k) >> 8}.${(20 * i + k) & 255}`, sources: k % 6 === 4 || k % 6 === 5 ? ["198.51.100.1"] : [] }));
    const data = encodeIgmpFrame({ message: v3Report(records), src: `198.18.0.${2 + (i % 50)}`, macSrc: "02:00:00:00:00:02", ...(i % 3 === 0 ? { vlan: [7] } : {}) });
    // (times with nanoseconds, and the first before 1970: its times are written the slow way)
    const ns = i === 0 ? -1_234_567_891n : BigInt(1_800_000_000 + i) * 1_000_000_000n + BigInt((i * 123_456_789) % 1_000_000_000);
    return decodeFrame({ data, linkType: 1, wireLength: data.length, timestampNs: ns }, i + 1);
  });
  for (const f of [...files, "many"]) {
    const frames = f === "many" ? many : await readCapture(`fixtures/${f}`);
    const collect = () => {
      const c = new StatsCollector();
      for (const fr of frames) c.push(fr);
      return c;
    };
    // a name holding the writer's own stand-in text, and an incomplete file's fields
    for (const head of [{ file: f, complete: true }, { file: "\u0000groups", complete: false, error: "\u0000hosts" }]) {
      let text = "";
      writeStatsJson(head, collect().summary(), (s) => (text += typeof s === "string" ? s : Buffer.from(s).toString("latin1")));
      expect(text, f).toBe(`${JSON.stringify({ ...head, ...collect().finish() })}\n`);
      if (f === "many") expect(text.length).toBeGreaterThan(4 << 16);
      if (f === "many") expect(text).toContain('{"group":"239.9.0.0","vlan":[7],"firstSeen":"-1.234568000"');
    }
  }
});
