/** src/capture/file.ts: streaming reads (plain, gzip, stdin) and the file writer. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { buildSync } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { captureFormatForPath, openCaptureWriter, readCaptureFile } from "../../src/capture/file.js";
import { PcapWriter, PcapngWriter } from "../../src/pcap/writer.js";
import { isPcapError, type PcapError } from "../../src/pcap/errors.js";
import type { Frame } from "../../src/pcap/frame.js";
import { concat, epb, idb, parseIn, payload, shb, summary } from "../pcap/helpers.js";

const dir = mkdtempSync(join(tmpdir(), "igmpkit-pcap-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frames: Frame[] = Array.from({ length: 300 }, (_, i) => ({
  timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_001n,
  wireLength: 60 + (i % 50),
  data: payload(60 + (i % 50), i),
  linkType: 1,
  interfaceId: 0,
}));

function pcapBytes(nanosecond = true): Uint8Array {
  const w = new PcapWriter({ linkType: 1, nanosecond });
  return concat(w.header(), ...frames.map((f) => w.record(f)));
}

async function collect(it: AsyncIterable<Frame>): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of it) out.push({ ...f, data: f.data.slice() });
  return out;
}

describe("readCaptureFile", () => {
  it("streams a pcap file in small chunks", async () => {
    const path = join(dir, "a.pcap");
    writeFileSync(path, pcapBytes());
    const r = readCaptureFile(path, { chunkSize: 1000 });
    const got = await collect(r);
    expect(got.map(summary)).toEqual(frames.map((f) => summary({ ...f, interfaceName: undefined })));
    expect(r.info).toMatchObject({ format: "pcap", nanosecond: true });
    expect(r.linkTypes()).toEqual([1]);
    expect(r.gzip).toBe(false);
    expect(r.frameCount).toBe(300);
    expect(r.fatal).toBeUndefined();
    expect(got[0]!.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(got[0]!.data)).toBe(false);
  });

  it("inflates gzip recognised by its magic, whatever the name", async () => {
    const path = join(dir, "compressed.pcap");
    writeFileSync(path, gzipSync(pcapBytes()));
    const r = readCaptureFile(path, { chunkSize: 4096 });
    const got = await collect(r);
    expect(r.gzip).toBe(true);
    expect(got.length).toBe(300);
    expect(got.map(summary)).toEqual(frames.map((f) => summary({ ...f, interfaceName: undefined })));
  });

  it("a gzip stream split into one-byte chunks (magic across chunks)", async () => {
    const gz = gzipSync(pcapBytes(false));
    const source = Readable.from((function* () {
      for (let i = 0; i < 64; i++) yield gz.subarray(i, i + 1);
      yield gz.subarray(64);
    })());
    const r = readCaptureFile("-", { source });
    expect((await collect(r)).length).toBe(300);
    expect(r.gzip).toBe(true);
  });

  it("throws the fatal error after every good frame; or keeps it", async () => {
    const bytes = pcapBytes();
    const cut = bytes.subarray(0, bytes.length - 5);
    const path = join(dir, "cut.pcap");
    writeFileSync(path, cut);
    const good: Frame[] = [];
    let err: unknown;
    try {
      for await (const f of readCaptureFile(path, { chunkSize: 777 })) good.push(f);
    } catch (e) {
      err = e;
    }
    expect(good.length).toBe(299);
    expect(isPcapError(err)).toBe(true);
    const lastStart = bytes.length - (16 + frames[299]!.data.length);
    expect(err).toMatchObject({ code: "truncated-record", frame: 300, offset: lastStart });

    const kept = readCaptureFile(path, { fatal: "keep" });
    expect((await collect(kept)).length).toBe(299);
    expect(kept.fatal?.code).toBe("truncated-record");
  });

  it("reports non-fatal errors and reads on", async () => {
    const le = true;
    const bytes = concat(shb(le), idb(le, 1, 0, [[2, new TextEncoder().encode("eth9")]]), epb(le, 0, 1n, payload(10)), epb(le, 0, 2n, payload(10), 10, 4), epb(le, 0, 3n, payload(10)));
    const path = join(dir, "bad-trailer.pcapng");
    writeFileSync(path, bytes);
    const seen: PcapError[] = [];
    const r = readCaptureFile(path, { onError: (e) => seen.push(e) });
    const got = await collect(r);
    expect(got.map((f) => f.timestampNs)).toEqual([1000n, 3000n]);
    expect(got[0]!.interfaceName).toBe("eth9");
    expect(r.errors.map((e) => e.code)).toEqual(["bad-block-trailer"]);
    expect(seen).toEqual(r.errors);
  });

  it("frame iteration interleaves onError with frames in file order; batches give the same frames", async () => {
    const le = true;
    const bytes = concat(shb(le), idb(le, 1, 0), epb(le, 0, 1n, payload(10)), epb(le, 0, 2n, payload(10), 10, 4), epb(le, 0, 3n, payload(10)));
    const path = join(dir, "order.pcapng");
    writeFileSync(path, bytes);
    const log: string[] = [];
    for await (const f of readCaptureFile(path, { onError: (e) => log.push(e.code) })) log.push(`frame ${f.timestampNs}`);
    expect(log).toEqual(["frame 1000", "bad-block-trailer", "frame 3000"]);

    const big = join(dir, "batches.pcap");
    writeFileSync(big, pcapBytes());
    const r = readCaptureFile(big, { chunkSize: 2048 });
    const sizes: number[] = [];
    const got: Frame[] = [];
    for await (const batch of r.batches()) {
      sizes.push(batch.length);
      got.push(...batch);
    }
    expect(sizes.length).toBeGreaterThan(10);
    expect(got.map(summary)).toEqual(frames.map((f) => summary({ ...f, interfaceName: undefined })));
    await expect(collect(r)).rejects.toThrow(/only once/);
  });

  it("batches() throws the fatal error after the good frames", async () => {
    const path = join(dir, "cut2.pcap");
    writeFileSync(path, pcapBytes().subarray(0, 24 + 16 + 60 + 3));
    const r = readCaptureFile(path);
    const got: Frame[] = [];
    await expect(
      (async () => {
        for await (const b of r.batches()) got.push(...b);
      })(),
    ).rejects.toMatchObject({ code: "truncated-record", frame: 2, offset: 100 });
    expect(got.length).toBe(1);
  });

  it("scan reads a file into two buffers in turn: the same frames, plain or gzip, any chunk size; the file is closed after a stop", async () => {
    const plain = join(dir, "scan.pcap");
    const packed = join(dir, "scan-gz.pcap");
    writeFileSync(plain, pcapBytes());
    writeFileSync(packed, gzipSync(pcapBytes()));
    const want = frames.map((f) => summary({ ...f, interfaceName: undefined }));
    const scanned = async (path: string, chunkSize: number) => {
      const got: Frame[] = [];
      const r = readCaptureFile(path, { chunkSize });
      const n = await r.scan((bytes, start, end, wireLength, linkType, seconds, nanos) =>
        got.push({ data: bytes.slice(start, end), wireLength, linkType, interfaceId: 0, timestampNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanos) }),
      );
      return { n, got: got.map(summary), r };
    };
    // 1-byte chunks: the gzip check reads two chunks before the first is parsed; 100 and 4096: frames across chunks
    for (const chunkSize of [1, 100, 4096]) {
      const a = await scanned(plain, chunkSize);
      expect(a.got).toEqual(want);
      expect(a.n).toBe(300);
      expect(a.r.bytesRead).toBe(pcapBytes().length);
      if (chunkSize < 64) continue; // (zlib's least output chunk)
      const z = await scanned(packed, chunkSize);
      expect(z.r.gzip).toBe(true);
      expect(z.got).toEqual(want);
      expect(z.r.bytesRead).toBe(gzipSync(pcapBytes()).length);
    }
    // a fatal error part way stops the reading: the file is closed soon after, not left to the garbage collector
    const openFiles = () => readdirSync("/proc/self/fd").length;
    const before = openFiles();
    const broken = pcapBytes();
    // frame 101's captured length: a length no record has, which ends the reading (some 7 kB in, of 13)
    let at = 24;
    for (let i = 0; i < 100; i++) at += 16 + frames[i]!.data.length;
    new DataView(broken.buffer).setUint32(at + 8, 0x7fffffff, true);
    const cut = join(dir, "scan-broken.pcap");
    writeFileSync(cut, broken);
    const r = readCaptureFile(cut, { fatal: "keep", chunkSize: 1000 });
    expect(await r.scan(() => undefined)).toBeGreaterThan(0);
    expect(r.fatal).toBeDefined();
    expect(r.bytesRead).toBeLessThan(broken.length);
    for (let k = 0; k < 100 && openFiles() > before; k++) await new Promise((res) => setTimeout(res, 10));
    expect(openFiles()).toBe(before);
  });

  it("rejects a missing file with the fs error", async () => {
    await expect(collect(readCaptureFile(join(dir, "nope.pcap")))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reads standard input with `-` (child process), plain and gzip", () => {
    const script = join(dir, "stdin-child.mjs");
    buildSync({
      stdin: {
        contents: `import { readCaptureFile } from ${JSON.stringify(resolve("src/capture/file.ts"))};
          let n = 0, bytes = 0, last = "";
          const r = readCaptureFile("-", { fatal: "keep" });
          for await (const f of r) { n++; bytes += f.data.length; last = f.timestampNs.toString(); }
          console.log(JSON.stringify({ n, bytes, last, gzip: r.gzip, fatal: r.fatal?.code ?? null }));`,
        resolveDir: process.cwd(),
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: script,
      logLevel: "silent",
    });
    const bytes = pcapBytes();
    const total = frames.reduce((n, f) => n + f.data.length, 0);
    for (const input of [bytes, gzipSync(bytes)]) {
      const out = spawnSync(process.execPath, [script], { input, encoding: "utf8" });
      expect(out.status, out.stderr).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({ n: 300, bytes: total, last: frames[299]!.timestampNs.toString(), gzip: input !== bytes, fatal: null });
    }
    const out = spawnSync(process.execPath, [script], { input: bytes.subarray(0, 30), encoding: "utf8" });
    expect(JSON.parse(out.stdout)).toMatchObject({ n: 0, fatal: "truncated-record" });
  });
});

describe("openCaptureWriter", () => {
  it("chooses the format from the extension", () => {
    expect(captureFormatForPath("x.pcapng")).toBe("pcapng");
    expect(captureFormatForPath("x.PCAPNG")).toBe("pcapng");
    expect(captureFormatForPath("x.ntar")).toBe("pcapng");
    expect(captureFormatForPath("x.pcap")).toBe("pcap");
    expect(captureFormatForPath("x.cap")).toBe("pcap");
  });

  for (const [name, nanosecond] of [["w.pcap", false], ["w-ns.pcap", true], ["w.pcapng", false], ["w-ns.pcapng", true]] as const) {
    it(`writes ${name} that reads back`, async () => {
      const path = join(dir, name);
      const w = openCaptureWriter(path, { linkType: 1, nanosecond, interfaceName: "eth0", bufferSize: 1000 });
      expect(w.format).toBe(name.endsWith("ng") ? "pcapng" : "pcap");
      for (const f of frames) w.write(f);
      w.close();
      expect(w.framesWritten).toBe(300);
      const got = await collect(readCaptureFile(path));
      const ts = (ns: bigint) => (nanosecond ? ns : (ns / 1000n) * 1000n);
      expect(got.map(summary)).toEqual(
        frames.map((f) => summary({ ...f, timestampNs: ts(f.timestampNs), interfaceName: w.format === "pcapng" ? "eth0" : undefined })),
      );
    });
  }

  it("holds only whole records on disk after each flush (a killed writer leaves a valid file)", () => {
    const path = join(dir, "partial.pcap");
    const w = openCaptureWriter(path, { linkType: 1, bufferSize: 500 });
    for (let i = 0; i < 40; i++) {
      w.write(frames[i]!);
      const r = parseIn(new Uint8Array(readFileSync(path)));
      expect(r.fatal, `after frame ${i + 1}`).toBeUndefined();
      expect(r.frames.length).toBeLessThanOrEqual(i + 1);
    }
    w.flush();
    expect(parseIn(new Uint8Array(readFileSync(path))).frames.length).toBe(40);
    w.close();
    expect(() => w.write(frames[0]!)).toThrow(/closed/);
  });

  it("pcapng: declares a new interface for a new link type or name; pcap: throws link-type-mismatch", async () => {
    const path = join(dir, "multi.pcapng");
    const w = openCaptureWriter(path, { linkType: 1, interfaceName: "eth0", nanosecond: true });
    w.write(frames[0]!);
    w.write({ ...frames[1]!, linkType: 101, data: payload(20), wireLength: 20, interfaceName: "tun0" });
    w.write({ ...frames[2]!, interfaceName: "eth1" });
    w.write({ ...frames[3]!, interfaceName: "eth0" });
    w.close();
    const r = readCaptureFile(path);
    const got = await collect(r);
    expect(got.map((f) => [f.interfaceId, f.interfaceName, f.linkType])).toEqual([
      [0, "eth0", 1],
      [1, "tun0", 101],
      [2, "eth1", 1],
      [0, "eth0", 1],
    ]);
    expect(r.linkTypes().sort()).toEqual([1, 101]);

    const p = openCaptureWriter(join(dir, "one.pcap"), { linkType: 1 });
    expect(() => p.write({ ...frames[0]!, linkType: 113 })).toThrow(expect.objectContaining({ code: "link-type-mismatch" }));
    p.close();
  });

  it("pcapng: honours the snaplen, and the header is the sans-IO writer's bytes", () => {
    const path = join(dir, "snap.pcapng");
    const w = openCaptureWriter(path, { linkType: 1, snaplen: 96 });
    expect(() => w.write({ ...frames[0]!, data: payload(97) })).toThrow(expect.objectContaining({ code: "bad-caplen" }));
    w.close();
    const r = parseIn(new Uint8Array(readFileSync(path)));
    const info = r.parser.info;
    expect(info?.format === "pcapng" && info.sections[0]!.interfaces[0]!.snaplen).toBe(96);
    expect(info?.format === "pcapng" && info.sections[0]!.userAppl).toBe("igmpkit");
    // The sans-IO writer gives the same bytes.
    const ref = new PcapngWriter({ userAppl: "igmpkit", interfaces: [{ linkType: 1, snaplen: 96 }] }).header();
    expect(new Uint8Array(readFileSync(path))).toEqual(ref);
  });
});
