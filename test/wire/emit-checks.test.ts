// Every field of every message is checked on emit: a value that does not fit throws WireError
// `bad-value` whose message names the field and the value (nothing wraps, nothing throws TypeError).
import { describe, expect, it } from "vitest";
import {
  emitEthernet,
  emitIPv4,
  encodeIgmp,
  encodeIgmpFrame,
  isWireError,
  leave,
  v2Report,
  v3Query,
  v3Report,
  type IgmpMessageInit,
} from "../../src/wire/index.js";
import { emitArp, type ArpMessage } from "../../src/wire/arp.js";

function badValue(f: () => unknown, field: string, value: string): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(isWireError(caught), `${field}: ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe("bad-value");
  expect((caught as Error).message).toContain(field);
  expect((caught as Error).message).toContain(value);
}

const mtrace: IgmpMessageInit = {
  kind: "mtrace-response",
  type: 0x1e,
  phase: "response",
  hops: 3,
  group: "239.1.1.1",
  source: "198.18.0.1",
  destination: "198.18.0.2",
  responseAddress: "198.18.0.3",
  responseTtl: 64,
  queryId: 7,
  blocks: [
    { queryArrivalTime: 1, incomingInterface: "198.18.1.1", outgoingInterface: "198.18.1.2", previousHop: "198.18.1.3", inputCount: 1, outputCount: 2, totalCount: 3, rtgProtocol: 1, fwdTtl: 1, mbz: 0, sBit: false, srcMask: 24, forwardingCode: 0 },
  ],
  extra: "",
};
const block0 = (mtrace as { blocks: object[] }).blocks[0]!;
const withBlock = (patch: Record<string, number | string>): IgmpMessageInit => ({ ...mtrace, blocks: [{ ...block0, ...patch }] }) as unknown as IgmpMessageInit;
const rec = { type: 1, kind: "MODE_IS_INCLUDE" as const, group: "232.1.1.1", sources: [], auxData: "" };
const mrd: IgmpMessageInit = { kind: "mrd-advertisement", type: 0x30, advertisementInterval: 20, queryInterval: 125, robustness: 2, extra: "" };

describe("emit checks every field", () => {
  const cases: [string, IgmpMessageInit, string, string][] = [
    // [what, message, field named, value shown]
    ["MRD query interval", { ...mrd, queryInterval: 70000 } as IgmpMessageInit, "queryInterval", "70000"],
    ["MRD robustness", { ...mrd, robustness: -1 } as IgmpMessageInit, "robustness", "-1"],
    ["MRD solicitation reserved", { kind: "mrd-solicitation", type: 0x31, reserved: 256, extra: "" }, "reserved", "256"],
    ["mtrace response TTL", { ...mtrace, responseTtl: 300 } as IgmpMessageInit, "responseTtl", "300"],
    ...(["queryArrivalTime", "inputCount", "outputCount", "totalCount"] as const).map(
      (k): [string, IgmpMessageInit, string, string] => [`mtrace ${k}`, withBlock({ [k]: 2 ** 32 }), k, "4294967296"],
    ),
    ...(["rtgProtocol", "fwdTtl", "forwardingCode"] as const).map(
      (k): [string, IgmpMessageInit, string, string] => [`mtrace ${k}`, withBlock({ [k]: 256 }), k, "256"],
    ),
    ["mtrace mbz", withBlock({ mbz: 2 }), "mbz", "2"],
    ["mtrace srcMask", withBlock({ srcMask: 64 }), "srcMask", "64"],
    ["mtrace address", { ...mtrace, responseAddress: "198.18.1" } as IgmpMessageInit, "responseAddress", '"198.18.1"'],
    ["mtrace block address", withBlock({ previousHop: "198.18.1" }), "previousHop", '"198.18.1"'],
    ["report group", { ...v2Report("239.1.1.1"), group: "239.1.1.300" }, "group", '"239.1.1.300"'],
    ["query source", { ...v3Query({ group: "232.1.1.1" }), sources: ["198.18.0.x"] }, "source", '"198.18.0.x"'],
    ["record group", { ...v3Report([]), records: [{ ...rec, group: "nope" }] }, "record group", '"nope"'],
    ["record source", { ...v3Report([]), records: [{ ...rec, sources: ["1.2.3"] }] }, "record source", '"1.2.3"'],
    ["extra hex", { ...leave("239.1.1.1"), extra: "zz" }, "extra", '"zz"'],
    ["aux data hex", { ...v3Report([]), records: [{ ...rec, auxData: "0102030g" }] }, "auxData", '"0102030g"'],
    ["QRV", { ...v3Query(), qrv: 8 }, "QRV", "8"],
    ["leave byte 1", { ...leave("239.1.1.1"), maxRespCode: 1.5 }, "byte 1", "1.5"],
  ];
  for (const [what, m, field, value] of cases) it(what, () => badValue(() => encodeIgmp(m), field, value));

  it("IPv4 header fields", () => {
    const buf = new Uint8Array(64);
    const base = { src: "198.18.0.2", dst: "224.0.0.22" };
    badValue(() => emitIPv4({ ...base, ttl: 256 }, 8, buf), "ttl", "256");
    badValue(() => emitIPv4({ ...base, tos: -1 }, 8, buf), "tos", "-1");
    badValue(() => emitIPv4({ ...base, id: 65536 }, 8, buf), "id", "65536");
    badValue(() => emitIPv4({ ...base, flags: 8 }, 8, buf), "flags", "8");
    badValue(() => emitIPv4({ ...base, fragmentOffset: 8192 }, 8, buf), "fragmentOffset", "8192");
    badValue(() => emitIPv4({ ...base, checksum: 65536 }, 8, buf), "checksum", "65536");
    badValue(() => emitIPv4({ ...base, src: "198.18.0.256" }, 8, buf), "src", '"198.18.0.256"');
    badValue(() => emitIPv4({ ...base, optionsRaw: "9404000" }, 8, buf), "optionsRaw", '"9404000"');
  });
  it("Ethernet header fields, and a frame to a bad destination", () => {
    const buf = new Uint8Array(64);
    badValue(() => emitEthernet({ src: "02:00:00:00:00:01", dst: "01:00:5e:00:00:16", vlan: [4096] }, buf), "VLAN id", "4096");
    badValue(() => emitEthernet({ src: "02:00:00:00:00:0g", dst: "01:00:5e:00:00:16" }, buf), "src", '"02:00:00:00:00:0g"');
    badValue(() => emitEthernet({ src: "02:00:00:00:00:01", dst: "01:00:5e:00:00:16", pcp: 8, vlan: [1] }, buf), "pcp", "8");
    badValue(() => emitEthernet({ src: "02:00:00:00:00:01", dst: "01:00:5e:00:00:16", etherType: 0x10000 }, buf), "etherType", "65536");
    badValue(() => encodeIgmpFrame({ message: leave("239.1.1.1"), src: "198.18.0.2", dst: "224.0.0.2.1", macSrc: "02:00:00:00:00:01" }), "group", '"224.0.0.2.1"');
  });
  it("ARP fields", () => {
    const buf = new Uint8Array(28);
    const arp: ArpMessage = { operation: 1, senderMac: "02:00:00:00:00:01", senderIp: "198.18.0.2", targetMac: "00:00:00:00:00:00", targetIp: "198.18.0.1" };
    badValue(() => emitArp({ ...arp, operation: 65536 }, buf), "operation", "65536");
    badValue(() => emitArp({ ...arp, senderMac: "02:00:00:00:01" }, buf), "senderMac", '"02:00:00:00:01"');
    badValue(() => emitArp({ ...arp, targetMac: "zz:00:00:00:00:00" }, buf), "targetMac", '"zz:00:00:00:00:00"');
    badValue(() => emitArp({ ...arp, senderIp: "198.18.0.256" }, buf), "senderIp", '"198.18.0.256"');
    badValue(() => emitArp({ ...arp, targetIp: "198.18.0" }, buf), "targetIp", '"198.18.0"');
  });
});
