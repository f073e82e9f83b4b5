/**
 * Every real fixture in fixtures/: its `decode --json --all` output is the checked-in baseline, and every
 * IGMP field agrees with tshark's own decoding of the same file.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeFloatCode, type DecodedFrame } from "../../src/wire/index.js";
import { cli } from "../cli/helpers.js";
import { describeLive } from "../lab/gate.js";
import { tsharkIgmp } from "./tshark.js";

const FIXTURES = "fixtures";
const pcaps = (dir: string) => readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).sort();
// The real captures, and the rule captures made by scripts/fixtures/make-rule-fixtures.mjs.
const files = [...pcaps(FIXTURES), ...pcaps(join(FIXTURES, "rules")).map((f) => `rules/${f}`)];

async function decodeJson(file: string): Promise<DecodedFrame[]> {
  const r = await cli(["decode", "--json", "--all", join(FIXTURES, file)]);
  expect(r.code).toBe(0);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as DecodedFrame);
}

describe("fixtures: decode --json baseline", () => {
  it("has the fixtures the README lists, each with a baseline", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    const readme = readFileSync(join(FIXTURES, "README.md"), "utf8");
    for (const f of files) {
      expect(readme, `${f} is described in fixtures/README.md`).toContain(f);
      expect(existsSync(join(FIXTURES, "expected", `${f}.jsonl`)), `fixtures/expected/${f}.jsonl`).toBe(true);
    }
  });
  for (const f of files) {
    it(`${f} decodes exactly as fixtures/expected/${f}.jsonl, without errors`, async () => {
      const ours = await decodeJson(f);
      const expected = readFileSync(join(FIXTURES, "expected", `${f}.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(ours).toEqual(expected);
      for (const fr of ours) {
        expect(fr.errors, `frame ${fr.frame}`).toEqual([]);
        expect(fr.igmp?.checksumValid, `frame ${fr.frame}`).toBe(true);
        expect(fr.ttl).toBe(1);
      }
    });
  }
  it("the pcap and the pcapng written by dumpcap on the same link at the same time decode alike", async () => {
    const a = await decodeJson("kernel-igmpv3-host.pcap");
    const b = await decodeJson("kernel-igmpv3-host.pcapng");
    expect(b.map((x) => x.igmp)).toEqual(a.map((x) => x.igmp));
  });
});

describeLive("fixtures against tshark", ["tshark"], () => {
  for (const f of files) {
    it(`${f}: every IGMP field agrees with tshark -T json`, async () => {
      const ours = (await decodeJson(f)).filter((x) => x.igmp);
      const theirs = tsharkIgmp(join(FIXTURES, f));
      expect(theirs.map((t) => t.frame)).toEqual(ours.map((o) => o.frame));
      ours.forEach((o, i) => {
        const t = theirs[i]!;
        const m = o.igmp!;
        const where = `${f} frame ${o.frame}`;
        expect(t.type, where).toBe(m.type);
        expect(t.checksum, where).toBe(m.checksum);
        expect(t.checksumStatus, where).toBe(1);
        if (m.kind === "query") {
          expect(t.version, where).toBe(m.version);
          expect(t.group, where).toBe(m.group);
          if (m.version === 2) expect(t.maxResp, where).toBe(m.maxRespCode);
          if (m.version === 3) {
            expect(t.maxResp, where).toBe(decodeFloatCode(m.maxRespCode));
            expect([t.s, t.qrv, t.qqic], where).toEqual([m.sFlag ? 1 : 0, m.qrv, m.qqic]);
            expect(t.sources, where).toEqual(m.sources);
          }
        } else if (m.kind === "v3-report") {
          expect(t.records, where).toEqual(m.records.map((r) => ({ type: r.type, auxWords: r.auxData.length / 8, group: r.group, sources: r.sources })));
        } else if (m.kind === "v1-report" || m.kind === "v2-report" || m.kind === "leave") {
          expect([t.version, t.group], where).toEqual([m.version, m.group]);
        }
      });
    });
  }
});
