/**
 * Hostile files against the readers (issue 15): memory bounded whatever the metadata, gzip cut short
 * loses no frame, records above the snaplen read as tcpdump and Wireshark read them, timestamps and
 * counters exact outside the double range. Files are generated here; the large ones never touch the disk
 * except where an oracle (tcpdump, tshark) has to read them.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/file.js";
import {
  CaptureParser,
  MAX_ERRORS_KEPT,
  MAX_INTERFACES_PER_SECTION,
  MAX_OPTION_STRING,
  MAX_SECTIONS_KEPT,
  parseCapture,
  type PcapngFileInfo,
} from "../../src/pcap/index.js";
import { hasCommand } from "../lab/gate.js";
import { concat, epb, idb, opt, shb } from "./helpers.js";
import { gzipCut, manyIdbs, manySections, pcapAboveSnaplen, pcapngAboveSnaplen, pcapngFarTimes, pcapOf, REPORT } from "../fuzz/hostile.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(parts: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

/** Peak heap growth (bytes) while `run` runs, sampled every `every` calls of the returned probe. */
function heapProbe(): { sample: () => void; peak: () => number } {
  globalThis.gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = 0;
  return {
    sample: () => {
      peak = Math.max(peak, process.memoryUsage().heapUsed - base);
    },
    peak: () => peak,
  };
}

const MB = 1024 * 1024;

describe("pcapng metadata is bounded", () => {
  it("3 million IDBs in one section: a fatal limit-exceeded error at the 65,537th, in bounded memory", async () => {
    const probe = heapProbe();
    let n = 0;
    const parts = (function* () {
      for (const c of manyIdbs(3_000_000)) {
        if (n++ % 20 === 0) probe.sample();
        yield c;
      }
    })();
    const r = readCaptureFile("hostile", { source: chunks(parts), fatal: "keep" });
    for await (const _ of r) void _;
    probe.sample();
    expect(r.fatal).toMatchObject({ code: "limit-exceeded", offset: 28 + MAX_INTERFACES_PER_SECTION * 20 });
    expect(r.fatal!.message).toContain(`more than ${MAX_INTERFACES_PER_SECTION} interfaces in one section`);
    // before: about 300 bytes per IDB kept (978 MB for 3 million); now the table stops at 65,536
    expect(probe.peak()).toBeLessThan(80 * MB);
  });

  it("300,000 sections: every frame read, 1024 sections described, one warning, bounded memory", () => {
    const probe = heapProbe();
    const p = new CaptureParser();
    let frames = 0;
    let i = 0;
    for (const c of manySections(300_000)) {
      p.push(c);
      for (let f = p.next(); f !== undefined; f = p.next()) frames++;
      if (i++ % 20 === 0) probe.sample();
    }
    p.end();
    for (let f = p.next(); f !== undefined; f = p.next()) frames++;
    expect(p.fatal).toBeUndefined();
    expect(frames).toBe(300_000);
    const info = p.info as PcapngFileInfo;
    expect(info.sectionCount).toBe(300_000);
    expect(info.sections).toHaveLength(MAX_SECTIONS_KEPT);
    expect(p.errors.map((e) => e.code)).toEqual(["limit-exceeded"]);
    expect(p.errors[0]!.fatal).toBe(false);
    expect(probe.peak()).toBeLessThan(64 * MB);
  });

  it("string options are cut to 256 bytes; errors past 1000 are counted, not kept", () => {
    const long = "x".repeat(60_000);
    const r = parseCapture(concat(shb(true, [opt(2, long)]), idb(true, 1, 0, [opt(2, long)]), epb(true, 0, 1n, REPORT)));
    const s = (r.info as PcapngFileInfo).sections[0]!;
    expect(s.hardware).toBe(`${"x".repeat(MAX_OPTION_STRING)}…`);
    expect(s.interfaces[0]!.name).toBe(`${"x".repeat(MAX_OPTION_STRING)}…`);
    expect(r.frames).toHaveLength(1);

    const bad = epb(true, 7, 1n, REPORT); // interface 7 never declared
    const p = new CaptureParser();
    p.push(concat(shb(true), idb(true, 1, 0), ...Array.from({ length: 5000 }, () => bad), epb(true, 0, 1n, REPORT)));
    p.end();
    let frames = 0;
    for (let f = p.next(); f !== undefined; f = p.next()) frames++;
    expect(frames).toBe(1);
    expect(p.errors).toHaveLength(MAX_ERRORS_KEPT);
    expect(p.errorCount).toBe(5000);
  });
});

describe("gzip cut short", () => {
  const N = 30_000;
  const plain = pcapOf(N);

  it("missing only its last byte: every frame read, then truncated-gzip with the offset and frame", async () => {
    const cut = gzipCut(plain, 1);
    const r = readCaptureFile("cut.gz", { source: chunks([cut]), fatal: "keep" });
    let n = 0;
    for await (const _ of r) n++;
    expect(n).toBe(N);
    expect(r.fatal).toMatchObject({ code: "truncated-gzip", offset: plain.length });
    expect(r.fatal!.message).toContain(`after frame ${N}`);
    expect(r.fatal!.message).toContain("unexpected end of file");
  });

  it("cut anywhere: the frames of what gzip -dc recovers, no fewer, and the error names the frame cut", async () => {
    const whole = gunzipSync(gzipCut(plain, 0));
    expect(whole.length).toBe(plain.length);
    for (const cutBytes of [9, 1000, 17_001, 40_000]) {
      const cut = gzipCut(plain, cutBytes);
      // what a streaming gunzip gets out of the cut file: the reference count of complete records
      const recovered = execFileSync("bash", ["-c", "gzip -dc 2>/dev/null; true"], { input: cut, maxBuffer: 64 * MB });
      const want = parseCapture(recovered).frames.length;
      const r = readCaptureFile("cut.gz", { source: chunks([cut]), fatal: "keep" });
      let n = 0;
      for await (const _ of r) n++;
      expect(n, `cut ${cutBytes}`).toBe(want);
      expect(n).toBeGreaterThan(0);
      expect(r.fatal?.frame ?? n + 1).toBe(n + 1);
      expect(r.fatal!.message).toMatch(/gzip stream ends early/);
    }
  });

  it.runIf(hasCommand("tcpdump"))("as many frames as gzip -dc | tcpdump -r - prints", async () => {
    const cut = gzipCut(plain, 1);
    const f = join(dir, "cut.pcap.gz");
    writeFileSync(f, cut);
    const tcpdump = execFileSync("bash", ["-c", `gzip -dc ${f} 2>/dev/null | tcpdump -nr - 2>/dev/null | wc -l`], { encoding: "utf8" });
    const r = readCaptureFile(f, { fatal: "keep" });
    let n = 0;
    for await (const _ of r) n++;
    expect(n).toBe(Number(tcpdump.trim()));
  });
});

describe("gzip decompression limit", () => {
  it("an input inflating more than the ratio past the threshold is bad-gzip, after the frames before", async () => {
    // a pcap header and 4 million empty records (16 zero bytes each): 64 MB that gzip packs about 1000:1
    const plain = new Uint8Array(24 + 16 * 4_000_000);
    plain.set(pcapOf(0));
    const z = gzipSync(plain, { level: 9 });
    const r = readCaptureFile("bomb.gz", { source: chunks([z]), fatal: "keep", gzipLimit: { ratio: 200, from: 4 * MB } });
    let n = 0;
    for await (const _ of r) n++;
    expect(r.fatal).toMatchObject({ code: "bad-gzip" });
    expect(r.fatal!.message).toContain("inflates more than 200 times its size (a decompression bomb?)");
    expect(n).toBeGreaterThan(200_000); // the empty frames before the limit were read
    expect(n).toBeLessThan(4_000_000);
  });
});

describe("records above the snaplen", () => {
  it("pcap: snaplen 64 and five 74-byte records gives five frames and one warning", () => {
    const r = parseCapture(pcapAboveSnaplen());
    expect(r.fatal).toBeUndefined();
    expect(r.frames.map((f) => f.data.length)).toEqual([74, 74, 74, 74, 74]);
    expect(r.errors.map((e) => [e.code, e.fatal, e.frame])).toEqual([["bad-caplen", false, 1]]);
  });

  it("pcapng: EPBs longer than the IDB snaplen are read and numbered as Wireshark numbers them", () => {
    const r = parseCapture(pcapngAboveSnaplen());
    expect(r.frames.map((f) => f.data.length)).toEqual([74, 60, 74, 60]);
    expect(r.errors.map((e) => [e.code, e.fatal, e.frame])).toEqual([["bad-caplen", false, 1]]);
  });

  it.runIf(hasCommand("tshark") && hasCommand("tcpdump"))("tcpdump and tshark agree on both files", () => {
    const a = join(dir, "snap.pcap");
    const b = join(dir, "snap.pcapng");
    writeFileSync(a, pcapAboveSnaplen());
    writeFileSync(b, pcapngAboveSnaplen());
    expect(execFileSync("tcpdump", ["-nr", a], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n")).toHaveLength(5);
    const fields = (f: string) =>
      execFileSync("tshark", ["-r", f, "-T", "fields", "-e", "frame.number", "-e", "frame.cap_len"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
        .trim()
        .split("\n");
    expect(fields(a)).toEqual(parseCapture(pcapAboveSnaplen()).frames.map((f, i) => `${i + 1}\t${f.data.length}`));
    expect(fields(b)).toEqual(parseCapture(pcapngAboveSnaplen()).frames.map((f, i) => `${i + 1}\t${f.data.length}`));
  });
});

describe("timestamps and counters outside the double range", () => {
  it("if_tsoffset ±2^63 and if_tsresol 0 give exact bigint times; ISB counters exact above 2^53", () => {
    const r = parseCapture(pcapngFarTimes());
    expect(r.fatal).toBeUndefined();
    expect(r.frames.map((f) => f.timestampNs)).toEqual([
      (2n ** 63n - 1n) * 1_000_000_000n + 1000n,
      -(2n ** 63n) * 1_000_000_000n + 1000n,
      (2n ** 64n - 1n) * 1_000_000_000n,
    ]);
    const stats = (r.info as PcapngFileInfo).sections[0]!.interfaces[0]!.stats!;
    expect(stats.ifDrop).toBe(2n ** 64n - 1n);
    expect(stats.osDrop).toBe(2n ** 53n + 1n);
  });
});
