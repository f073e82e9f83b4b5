// The generic codec contract (test/wire/contract.ts) over every codec: IGMP, IPv4, Ethernet with VLAN
// tags, Linux cooked v1/v2 (parse side: igmpkit reads them, never writes them), ARP, pcap and pcapng records.
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCapture, PcapngWriter, PcapWriter, type Frame } from "../../src/pcap/index.js";
import {
  decodeFrame,
  emitEthernet,
  emitIgmp,
  emitIPv4,
  ethernetHeaderLength,
  FrameView,
  igmpEncodingLength,
  ipv4HeaderLength,
  parseIgmp,
  parseIPv4,
  parseLink,
  type EthernetInit,
  type IgmpMessageInit,
  type IPv4Init,
} from "../../src/wire/index.js";
import { emitArp, parseArp, arpEncodingLength, type ArpMessage } from "../../src/wire/arp.js";
import { describeLive } from "../lab/gate.js";
import { igmpMessage, ipv4, mtraceMessage } from "./arbitraries.js";
import { checkContract } from "./contract.js";
import { stripChecksum } from "./helpers.js";

/** Every frame of the real captures in fixtures/ (pcap files; the pcapng ones hold the same kinds). */
const FIXTURE_FRAMES: Frame[] = ["kernel-igmpv1-host", "kernel-igmpv2-host", "kernel-igmpv3-host", "bridge-querier-igmpv3", "frr-pimd-igmpv3", "vlan-8021q-igmpv3", "any-sll2-igmpv2"].flatMap(
  (n) => parseCapture(readFileSync(`fixtures/${n}.pcap`)).frames,
);
const view = new FrameView();
const slices = (pick: (v: FrameView) => [number, number] | null): Uint8Array[] =>
  FIXTURE_FRAMES.flatMap((f) => {
    view.wrap(f.data, f.linkType);
    const r = view.clean ? pick(view) : null;
    return r ? [f.data.slice(r[0], r[1])] : [];
  }).slice(0, 40);
const codes = (l: { code: string }[]): string[] => l.map((e) => e.code);
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(":"));
/** The ARP packets (after the Ethernet header) of a real capture (fixtures/README.md). */
const ARP_FILE = "fixtures/arp/kernel-arp.pcap";
const ARP_FRAMES = parseCapture(readFileSync(ARP_FILE)).frames;
const arpOf = (f: Frame): Uint8Array => f.data.slice(parseLink(f.data, f.linkType).offset);

describe("every codec keeps the contract", () => {
  it("IGMP", () => {
    checkContract<IgmpMessageInit>({
      name: "IGMP",
      values: fc.oneof(igmpMessage, mtraceMessage),
      length: igmpEncodingLength,
      emit: (m, buf, off) => emitIgmp(m, buf, off),
      parse: (buf, off, len, declared) => {
        const r = parseIgmp(buf, off, len, declared);
        return { value: (r.message ? stripChecksum(r.message) : undefined) as IgmpMessageInit, errors: codes(r.errors) };
      },
      fixtures: slices((v) => [v.igmpOffset, v.igmpOffset + v.igmpLength]),
      truncation: "truncated",
    });
  });
  it("IPv4 headers (a packet of header and zero payload)", () => {
    const init = fc.record({ src: ipv4, dst: ipv4, ttl: fc.integer({ min: 0, max: 255 }), tos: fc.integer({ min: 0, max: 255 }), id: fc.integer({ min: 0, max: 0xffff }), optionsRaw: fc.constantFrom("", "94040000", "0194040000000000") });
    checkContract<IPv4Init>({
      name: "IPv4",
      values: init,
      length: (h) => ipv4HeaderLength(h),
      emit: (h, buf, off) => emitIPv4(h, 0, buf, off),
      parse: (buf, off, len) => {
        const r = parseIPv4(buf, off, len);
        const h = r.header;
        return { value: h ? { src: h.src, dst: h.dst, ttl: h.ttl, tos: h.tos, id: h.id, optionsRaw: h.optionsRaw } : undefined, errors: codes(r.errors) };
      },
      fixtures: slices((v) => [v.ipOffset, v.ipOffset + v.ipTotalLength]),
      truncation: "truncated",
    });
  });
  it("Ethernet with VLAN tags", () => {
    const init = fc.record({ src: mac, dst: mac, vlan: fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 3 }), etherType: fc.constantFrom(0x0800, 0x0806, 0x86dd) });
    checkContract<EthernetInit>({
      name: "Ethernet",
      values: init,
      length: ethernetHeaderLength,
      emit: (e, buf, off) => emitEthernet(e, buf, off),
      parse: (buf, off, len) => {
        const r = parseLink(buf.subarray(off, off + len), 1);
        return { value: r.errors.length ? undefined : { src: r.macSrc!, dst: r.macDst!, vlan: r.vlan, etherType: r.etherType! }, errors: codes(r.errors) };
      },
      fixtures: slices((v) => (v.linkKind === 1 ? [0, v.netOffset] : null)),
      truncation: "truncated",
    });
  });
  it("Linux cooked v1 and v2 headers: every prefix of a real header is a truncation", () => {
    const sll2 = slices((v) => (v.linkKind === 3 ? [0, v.netOffset] : null));
    const sll = sll2.map((h) => Uint8Array.from([0, h[10]!, h[8]!, h[9]!, 0, h[11]!, ...h.subarray(12, 20), h[0]!, h[1]!]));
    for (const [lt, fixtures] of [[276, sll2], [113, sll]] as const) {
      if (fixtures.length === 0) throw new Error("no cooked fixture");
      for (const f of fixtures) for (let cut = 0; cut < f.length; cut++) if (codes(parseLink(f.subarray(0, cut), lt).errors).join() !== "truncated") throw new Error(`link ${lt}: ${cut}-byte prefix`);
    }
  });
  it("ARP (IPv4 over Ethernet)", () => {
    checkContract<ArpMessage>({
      name: "ARP",
      values: fc.record({ operation: fc.integer({ min: 0, max: 0xffff }), senderMac: mac, senderIp: ipv4, targetMac: mac, targetIp: ipv4 }),
      length: arpEncodingLength,
      emit: (m, buf, off) => emitArp(m, buf, off),
      parse: (buf, off, len) => {
        const r = parseArp(buf, off, len);
        return { value: r.arp ?? undefined, errors: codes(r.errors) };
      },
      fixtures: ARP_FRAMES.map(arpOf),
      truncation: "truncated",
    });
  });
  const frame = fc.record({
    data: fc.uint8Array({ minLength: 0, maxLength: 80 }),
    timestampNs: fc.bigInt({ min: 0n, max: 4_000_000_000n * 1_000_000_000n }).map((t) => (t / 1000n) * 1000n),
  });
  for (const [name, make] of [
    ["pcap records", () => new PcapWriter({ linkType: 1 })],
    ["pcapng enhanced packet blocks", () => new PcapngWriter({ interfaces: [{ linkType: 1 }] })],
  ] as const) {
    it(name, () => {
      const w = make();
      const head = w.header();
      const file = (rec: Uint8Array): Uint8Array => Uint8Array.from([...head, ...rec]);
      checkContract<{ data: Uint8Array; timestampNs: bigint }>({
        name,
        values: frame,
        length: (f) => w.recordLength({ ...f, wireLength: f.data.length }),
        emit: (f, buf, off) => w.emitRecord({ ...f, wireLength: f.data.length }, buf, off),
        parse: (buf, off, len) => {
          const r = parseCapture(file(buf.subarray(off, off + len)));
          const f = r.frames[0];
          return { value: f ? { data: f.data, timestampNs: f.timestampNs } : undefined, errors: [...r.errors, ...(r.fatal ? [r.fatal] : [])].map((e) => e.code) };
        },
        normalize: (f) => ({ data: Array.from(f.data), t: f.timestampNs }),
        fixtures: FIXTURE_FRAMES.slice(0, 20).map((f) => w.record({ ...f })),
        truncation: name.startsWith("pcap ") ? "truncated-record" : "truncated-block",
        numRuns: 200,
        // no bytes after the file header is a file without records, not a cut one
        minCut: 1,
      });
    });
  }
});

describeLive("ARP fixture against tshark", ["tshark"], () => {
  it("every field of every frame of fixtures/arp/kernel-arp.pcap is tshark's", () => {
    const fields = ["arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4"];
    const out = execFileSync("tshark", ["-r", ARP_FILE, "-T", "fields", ...fields.flatMap((f) => ["-e", f])], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const theirs = out.trim().split("\n").map((l) => {
      const [op, sm, si, tm, ti] = l.split("\t");
      return { operation: Number(op), senderMac: sm, senderIp: si, targetMac: tm, targetIp: ti };
    });
    expect(theirs).toHaveLength(4);
    expect(ARP_FRAMES.map((f) => parseArp(arpOf(f)).arp)).toEqual(theirs);
  });
});
