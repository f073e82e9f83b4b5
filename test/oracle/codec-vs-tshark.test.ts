import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openCaptureWriter } from "../../src/capture/file.js";
import { decodeFloatCode, decodeFrame, encodeIgmpFrame, type IgmpMessageInit } from "../../src/wire/index.js";
import { describeLive } from "../lab/gate.js";
import { igmpMessage } from "../wire/arbitraries.js";
import { tsharkIgmp } from "./tshark.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-tshark-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Messages tshark decodes field by field; drop the shapes where tshark is known to be wrong. */
function tsharkComparable(m: IgmpMessageInit): boolean {
  switch (m.kind) {
    case "query":
      return m.version !== 3 || (m.additionalData === "" && !m.extensions && m.resv === 0);
    case "v1-report":
    case "v2-report":
    case "leave":
      return m.extra === ""; // tshark checks v1/v2 checksums over 8 bytes only
    case "v3-report": {
      const keys = m.records.map((r) => `${r.group}/${r.type}`);
      // tshark keys records by "group + type name"; repeated keys would be merged by --no-duplicate-keys
      return m.additionalData === "" && !m.extensions && new Set(keys).size === keys.length && m.records.every((r) => r.type >= 1 && r.type <= 6);
    }
    default:
      return false;
  }
}

describeLive("codec against tshark", ["tshark"], () => {
  it("agrees with tshark on every field of 400 generated messages", () => {
    const messages = fc
      .sample(igmpMessage, { numRuns: 4000, seed: 7 })
      .filter(tsharkComparable)
      .slice(0, 400);
    expect(messages.length).toBe(400);
    const path = join(dir, "generated.pcap");
    const w = openCaptureWriter(path, { linkType: 1 });
    const frames: Uint8Array[] = [];
    messages.forEach((m, i) => {
      const bad = i % 10 === 3; // every tenth message with a wrong checksum
      const msg = bad ? { ...m, checksum: 0x1234 } : m;
      const data = encodeIgmpFrame({ message: msg, src: "198.18.0.2", dst: "224.0.0.22", macSrc: "02:00:00:00:00:02", igmp: bad ? { checksum: "keep" } : {} });
      frames.push(data);
      w.write({ timestampNs: BigInt(i) * 1000n, wireLength: data.length, data });
    });
    w.close();

    const theirs = tsharkIgmp(path);
    expect(theirs).toHaveLength(400);
    let compared = 0;
    theirs.forEach((t, i) => {
      const ours = decodeFrame({ data: frames[i]!, linkType: 1 }, i + 1).igmp!;
      const where = `frame ${i + 1} (${ours.kind})`;
      expect(t.type, where).toBe(ours.type);
      expect(t.checksum, where).toBe(ours.checksum);
      expect(t.checksumStatus, where).toBe(ours.checksumValid ? 1 : 0);
      if ("version" in ours && ours.version !== null) expect(t.version, where).toBe(ours.version);
      switch (ours.kind) {
        case "query":
          expect(t.group, where).toBe(ours.group);
          if (ours.version === 2) expect(t.maxResp, where).toBe(ours.maxRespCode);
          if (ours.version === 3) {
            expect(t.maxResp, where).toBe(decodeFloatCode(ours.maxRespCode));
            expect(t.s, where).toBe(ours.sFlag ? 1 : 0);
            expect(t.qrv, where).toBe(ours.qrv);
            expect(t.qqic, where).toBe(ours.qqic); // tshark shows QQIC raw; igmpkit adds qqi in seconds
            expect(t.sources, where).toEqual(ours.sources);
          }
          break;
        case "v1-report":
        case "v2-report":
        case "leave":
          expect(t.group, where).toBe(ours.group);
          break;
        case "v3-report":
          expect(t.records, where).toEqual(
            ours.records.map((r) => ({ type: r.type, auxWords: r.auxData.length / 8, group: r.group, sources: r.sources })),
          );
          break;
        default:
          throw new Error(`unexpected kind at ${where}`);
      }
      compared++;
    });
    expect(compared).toBe(400);
    const kinds = new Set(messages.map((m) => (m.kind === "query" ? `query-v${m.version}` : m.kind)));
    expect([...kinds].sort()).toEqual(["leave", "query-v1", "query-v2", "query-v3", "v1-report", "v2-report", "v3-report"]);
  });
});
