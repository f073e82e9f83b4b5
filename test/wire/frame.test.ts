import { describe, expect, it } from "vitest";
import { decodeFrame, encodeIgmpFrame, encodeIgmpPacket, multicastMac, v2Report, v3Query, v3Report } from "../../src/wire/index.js";

const report = v3Report([{ type: 4, group: "239.1.2.3" }]);
const eth = (vlan: number[] = []): Uint8Array => encodeIgmpFrame({ message: report, src: "198.18.0.2", macSrc: "02:00:00:00:00:02", vlan });

describe("link layers", () => {
  it("maps groups to MACs (RFC 1112 §6.4) and addresses by type", () => {
    expect(multicastMac("239.129.2.3")).toBe("01:00:5e:01:02:03");
    expect(multicastMac("224.0.0.22")).toBe("01:00:5e:00:00:16");
    const f = decodeFrame({ data: eth(), linkType: 1 });
    expect(f).toMatchObject({ macDst: "01:00:5e:00:00:16", ipDst: "224.0.0.22", ttl: 1, tos: 0xc0, routerAlert: true });
  });
  it("takes lengths from IPv4 Total Length, not the padded frame", () => {
    const padded = encodeIgmpFrame({ message: v2Report("239.1.1.1"), src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
    expect(padded.length).toBe(60);
    const f = decodeFrame({ data: padded, linkType: 1 });
    expect(f.errors).toEqual([]);
    expect(f.warnings).toEqual([]);
    expect(f.igmp).toMatchObject({ kind: "v2-report", checksumValid: true, extra: "" });
  });
  it("reads one and two VLAN tags (802.1Q, 802.1ad)", () => {
    expect(decodeFrame({ data: eth([100]), linkType: 1 })).toMatchObject({ vlan: [100], igmp: { kind: "v3-report" } });
    const two = eth([200, 100]);
    expect((two[12]! << 8) | two[13]!).toBe(0x88a8);
    expect(decodeFrame({ data: two, linkType: 1 })).toMatchObject({ vlan: [200, 100], igmp: { kind: "v3-report" } });
  });
  it("reads Linux cooked v1 and v2, raw IPv4 and BSD null", () => {
    const ip = encodeIgmpPacket({ message: report, src: "198.18.0.2" });
    const sll = new Uint8Array(16 + ip.length);
    sll.set([0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 2, 0, 0, 8, 0]);
    sll.set(ip, 16);
    expect(decodeFrame({ data: sll, linkType: 113 })).toMatchObject({ link: "linux-sll", macSrc: "02:00:00:00:00:02", igmp: { kind: "v3-report" } });
    const sll2 = new Uint8Array(20 + ip.length);
    sll2.set([8, 0, 0, 0, 0, 0, 0, 3, 0, 1, 2, 6, 2, 0, 0, 0, 0, 2, 0, 0]);
    sll2.set(ip, 20);
    expect(decodeFrame({ data: sll2, linkType: 276 })).toMatchObject({ link: "linux-sll2", macSrc: "02:00:00:00:00:02", igmp: { kind: "v3-report" } });
    for (const lt of [101, 228]) expect(decodeFrame({ data: ip, linkType: lt })).toMatchObject({ link: "raw", igmp: { kind: "v3-report" } });
    for (const fam of [[2, 0, 0, 0], [0, 0, 0, 2]]) {
      const nul = new Uint8Array(4 + ip.length);
      nul.set(fam);
      nul.set(ip, 4);
      expect(decodeFrame({ data: nul, linkType: 0 })).toMatchObject({ link: "null", igmp: { kind: "v3-report" } });
    }
  });
  it("says what a non-IGMP frame is", () => {
    const arp = new Uint8Array(42);
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(decodeFrame({ data: arp, linkType: 1 })).toMatchObject({ igmp: null, other: "arp", errors: [] });
    const udp = eth();
    udp[14 + 9] = 17;
    const f = decodeFrame({ data: udp, linkType: 1 });
    expect(f.igmp).toBeNull();
    expect(f.other).toBe("ipv4-proto-17");
    expect(f.errors.map((e) => e.code)).toEqual(["bad-ip-checksum"]);
    expect(decodeFrame({ data: new Uint8Array(20), linkType: 999 }).errors.map((e) => e.code)).toEqual(["unsupported-link"]);
  });
});

describe("IPv4 layer", () => {
  it("reports a bad header checksum, a truncated capture and keeps decoding", () => {
    const f = eth();
    f[14 + 10] = f[14 + 10]! ^ 1;
    expect(decodeFrame({ data: f, linkType: 1 }).errors.map((e) => e.code)).toEqual(["bad-ip-checksum"]);
    const cut = eth().subarray(0, 14 + 24 + 6);
    const d = decodeFrame({ data: cut, linkType: 1, wireLength: 62 });
    expect(d.len).toBe(62);
    expect(d.caplen).toBe(44);
    expect(d.errors.map((e) => e.code)).toEqual(["truncated", "truncated"]);
    expect(d.errors.map((e) => e.layer)).toEqual(["ipv4", "igmp"]);
  });
  it("keeps unknown options and notices a missing Router Alert", () => {
    const noRa = decodeFrame({ data: encodeIgmpPacket({ message: report, src: "198.18.0.2", ip: { optionsRaw: "" } }), linkType: 101 });
    expect(noRa.routerAlert).toBe(false);
    const odd = decodeFrame({ data: encodeIgmpPacket({ message: v3Query(), src: "198.18.0.1", ip: { optionsRaw: "01070400" } }), linkType: 101 });
    expect(odd.errors.map((e) => e.code)).toEqual(["bad-option"]);
    const ok = encodeIgmpPacket({ message: v3Query(), src: "198.18.0.1", ip: { optionsRaw: "8804abcd94040000" } });
    expect(decodeFrame({ data: ok, linkType: 101 })).toMatchObject({ routerAlert: true, errors: [], ipDst: "224.0.0.1" });
  });
  it("IHL below 5 and Total Length below the header are bad-length", () => {
    const p = encodeIgmpPacket({ message: report, src: "198.18.0.2" });
    const a = p.slice();
    a[0] = 0x44;
    expect(decodeFrame({ data: a, linkType: 101 }).errors.map((e) => e.code)).toEqual(["bad-length"]);
    const b = p.slice();
    b[2] = 0;
    b[3] = 10;
    expect(decodeFrame({ data: b, linkType: 101 }).errors.map((e) => e.code)).toEqual(["bad-length"]);
  });
});

describe("destinations by message type", () => {
  it("follow RFC 2236, RFC 9776, RFC 4286 and RFC 3488, and ask for one where there is none", async () => {
    const { destinationFor } = await import("../../src/wire/index.js");
    expect(destinationFor(v2Report("239.1.1.1"))).toBe("239.1.1.1");
    expect(destinationFor(report)).toBe("224.0.0.22");
    expect(destinationFor(v3Query())).toBe("224.0.0.1");
    expect(destinationFor(v3Query({ group: "239.2.2.2" }))).toBe("239.2.2.2");
    expect(destinationFor({ kind: "mrd-advertisement", type: 0x30, advertisementInterval: 20, queryInterval: 125, robustness: 2, extra: "" })).toBe("224.0.0.106");
    expect(destinationFor({ kind: "mrd-solicitation", type: 0x31, reserved: 0, extra: "" })).toBe("224.0.0.2");
    expect(destinationFor({ kind: "mrd-termination", type: 0x32, reserved: 0, extra: "" })).toBe("224.0.0.106");
    expect(destinationFor({ kind: "rgmp", type: 0xff, code: 0, body: "00000000" })).toBe("224.0.0.25");
    expect(destinationFor({ kind: "unknown", type: 0x42, code: 0, body: "" })).toBeNull();
    expect(() => encodeIgmpFrame({ message: { kind: "unknown", type: 0x42, code: 0, body: "" }, src: "198.18.0.2", macSrc: "02:00:00:00:00:02" })).toThrow(
      expect.objectContaining({ name: "WireError", code: "bad-value" }),
    );
  });
});
