/**
 * The regression corpus: small versions of every input that broke igmpkit (issue 15 for now), kept as
 * files in test/fuzz/corpus so that they run on every test run and seed the fuzzer. `writeCorpus` makes
 * them (`IGMPKIT_WRITE_CORPUS=1 npx vitest run test/fuzz/corpus.test.ts`); EXPECTED says what reading
 * each must give (frame counts checked against tcpdump/tshark where they read the file).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { encodeIgmpFrame, v3Report } from "../../src/wire/index.js";
import { concat, epb, idb, opt, shb } from "../pcap/helpers.js";
import { ESCAPES, gzipCut, manyIdbs, manySections, pcapAboveSnaplen, pcapngAboveSnaplen, pcapngEscapes, pcapngFarTimes, pcapOf, REPORT } from "./hostile.js";

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), "corpus");

/** What reading each capture of the corpus gives: frames, the fatal error's code, non-fatal errors. */
export const EXPECTED: Record<string, { frames: number; fatal?: string; errors?: number }> = {
  "issue15-many-idbs.pcapng.gz": { frames: 0, fatal: "limit-exceeded" },
  "issue15-many-sections.pcapng.gz": { frames: 1500, errors: 1 },
  "issue15-escapes.pcapng": { frames: 1 },
  "issue15-gzip-cut.pcap.gz": { frames: 2000, fatal: "truncated-gzip" },
  "issue15-above-snaplen.pcap": { frames: 5, errors: 1 },
  "issue15-above-snaplen.pcapng": { frames: 4, errors: 1 },
  "issue15-far-times.pcapng": { frames: 3 },
  "issue15-long-options.pcapng": { frames: 1 },
  "issue15-bad-blocks.pcapng": { frames: 1, errors: 1200 },
  "issue15-v3-65535-records.pcap": { frames: 1 },
  "issue15-ip-length-beyond-frame.pcap": { frames: 1 },
};

/** Scenario files that broke the emulator's validation or made it run out of memory: each must be refused. */
export const SCENARIOS: Record<string, RegExp> = {
  "issue15-count-1e999.json": /got a number too large to be finite/,
  "issue15-escape-keys.json": /unknown key/,
  "issue15-million-hosts.json": /more than 100000 hosts in all/,
};

function pcapWith(frame: Uint8Array): Uint8Array {
  const head = pcapOf(0);
  const rec = new Uint8Array(16 + frame.length);
  const dv = new DataView(rec.buffer);
  dv.setUint32(0, 1_763_700_000, true);
  dv.setUint32(8, frame.length, true);
  dv.setUint32(12, frame.length, true);
  rec.set(frame, 16);
  return concat(head, rec);
}

/** Write the corpus files. */
export function writeCorpus(dir = CORPUS_DIR): void {
  mkdirSync(dir, { recursive: true });
  const w = (name: string, b: Uint8Array | string) => writeFileSync(join(dir, name), b);
  w("issue15-many-idbs.pcapng.gz", gzipSync(concat(...manyIdbs(70_000)), { level: 9 }));
  w("issue15-many-sections.pcapng.gz", gzipSync(concat(...manySections(1500)), { level: 9 }));
  w("issue15-escapes.pcapng", pcapngEscapes());
  w("issue15-gzip-cut.pcap.gz", gzipCut(pcapOf(2000), 1));
  w("issue15-above-snaplen.pcap", pcapAboveSnaplen());
  w("issue15-above-snaplen.pcapng", pcapngAboveSnaplen());
  w("issue15-far-times.pcapng", pcapngFarTimes());
  const long = "\x1b[2J".repeat(500);
  w("issue15-long-options.pcapng", concat(shb(true, [opt(2, long), opt(1, long)]), idb(true, 1, 0, [opt(2, long), opt(3, long)]), epb(true, 0, 1n, REPORT)));
  const bad = epb(true, 7, 1n, new Uint8Array(4));
  w("issue15-bad-blocks.pcapng", concat(shb(true), idb(true, 1, 0), ...Array.from({ length: 1200 }, () => bad), epb(true, 0, 2n, REPORT)));
  // a v3 report whose record count says 65535 (item 12: decode flags it; lint and the monitor must not crash)
  const v3 = encodeIgmpFrame({ message: v3Report([{ type: 4, group: "239.3.3.1", sources: [] }]), src: "198.18.0.3", macSrc: "02:00:00:00:00:03" }).slice();
  const o = 14 + (v3[14]! & 0x0f) * 4;
  v3[o + 6] = 0xff;
  v3[o + 7] = 0xff;
  w("issue15-v3-65535-records.pcap", pcapWith(v3));
  const lying = REPORT.slice();
  lying[14 + 2] = 0x05; // IP total length 0x05xx: far beyond the 60-byte frame
  w("issue15-ip-length-beyond-frame.pcap", pcapWith(lying));
  w("issue15-count-1e999.json", '{"hosts":[{"firstIp":"198.18.0.10","count":1e999}],"timeline":[]}');
  w("issue15-escape-keys.json", JSON.stringify({ hosts: [{ ip: "198.18.0.2", name: ESCAPES }], timeline: [], [ESCAPES]: 1 }));
  w(
    "issue15-million-hosts.json",
    JSON.stringify({ hosts: [{ firstIp: "10.0.0.1", count: 1_000_000 }], timeline: Array.from({ length: 50 }, (_, i) => ({ at: 0, host: "*", op: "join", group: `239.1.1.${i + 1}`, socket: `s${i}` })) }),
  );
}

/** The corpus's capture files (not the scenarios), by name. */
export function corpusFiles(dir = CORPUS_DIR): [string, Uint8Array][] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.endsWith(".json") && !n.endsWith(".md")).sort().map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]);
}
