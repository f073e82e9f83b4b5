// Make an N-frame IGMP capture of one of several mixes (needs `npm run build` first):
//   node bench/make-mixed.mjs OUT.pcap [N] [MIX]
// MIX:
//   mixed        queries of all versions, v3 reports with records and sources, v1/v2 reports, leaves (default)
//   v1v2         v1/v2-heavy, no Router Alert anywhere: v1 and v2 reports, leaves, v1 and v2 queries
//   v3           v3-heavy: reports of 1-4 records of every record type with 0-3 sources each,
//                group-and-source-specific and general v3 queries
//   vlan         the mixed messages under one 802.1Q tag or an 802.1ad + 802.1Q stack (Ethernet)
//   cooked       the mixed messages in Linux cooked captures (v1, the `any` interface), some still tagged
import { openCaptureWriter, encodeIgmpFrame, encodeIgmpPacket, v1Query, v2Query, v3Query, v1Report, v2Report, leave, v3Report } from "../dist/index.js";

const out = process.argv[2] ?? "bench/out/mixed-1m.pcap";
const n = Number(process.argv[3] ?? 1_000_000);
const mix = process.argv[4] ?? "mixed";
const ip = (i) => `198.18.${(i >> 8) & 255}.${i & 255}`;
const grp = (i) => `239.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const RECORD_TYPES = ["MODE_IS_INCLUDE", "MODE_IS_EXCLUDE", "CHANGE_TO_INCLUDE_MODE", "CHANGE_TO_EXCLUDE_MODE", "ALLOW_NEW_SOURCES", "BLOCK_OLD_SOURCES"];

function mixedMessages(i) {
  return [
    v1Query(),
    v2Query({ maxRespTime: 10 }),
    v2Query({ group: grp(i), maxRespTime: 1 }),
    v3Query({ maxRespTime: 10 }),
    v3Query({ group: `232.1.1.${i}`, sources: [ip(200), ip(201), ip(202)], maxRespTime: 1 }),
    v1Report(grp(i)),
    v2Report(grp(i)),
    leave(grp(i)),
    v3Report([
      { type: "MODE_IS_EXCLUDE", group: grp(i) },
      { type: "MODE_IS_INCLUDE", group: `232.1.1.${i}`, sources: [ip(200), ip(201)] },
      { type: "ALLOW_NEW_SOURCES", group: `232.2.2.${i}`, sources: [ip(203)] },
    ]),
    v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: grp(i + 1) }]),
    v3Report([{ type: "BLOCK_OLD_SOURCES", group: `232.1.1.${i}`, sources: [ip(200)] }]),
  ];
}

const templates = []; // [linkType, bytes]
for (let i = 0; i < 64; i++) {
  const src = ip(i + 2);
  const macSrc = `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
  if (mix === "mixed") for (const m of mixedMessages(i)) templates.push([1, encodeIgmpFrame({ message: m, src, macSrc })]);
  else if (mix === "v1v2") {
    const msgs = [v1Report(grp(i)), v1Report(grp(i + 7)), v2Report(grp(i)), v2Report(grp(i + 3)), leave(grp(i)), v1Query(), v2Query({ maxRespTime: 10 }), v2Query({ group: grp(i), maxRespTime: 1 })];
    for (const m of msgs) templates.push([1, encodeIgmpFrame({ message: m, src, macSrc, ip: { optionsRaw: "" } })]);
  } else if (mix === "v3") {
    for (let k = 0; k < 12; k++) {
      const records = Array.from({ length: 1 + ((i + k) % 4) }, (_, r) => ({
        type: RECORD_TYPES[(i + k + r) % 6],
        group: grp(i * 16 + k * 4 + r),
        sources: Array.from({ length: (i + r + k) % 4 }, (_, s) => ip(100 + s + r)),
      }));
      templates.push([1, encodeIgmpFrame({ message: v3Report(records), src, macSrc })]);
    }
    templates.push([1, encodeIgmpFrame({ message: v3Query({ group: `232.1.1.${i}`, sources: [ip(200), ip(201), ip(202)].slice(0, 1 + (i % 3)), maxRespTime: 1 }), src, macSrc })]);
    templates.push([1, encodeIgmpFrame({ message: v3Query({ group: grp(i), maxRespTime: 1 }), src, macSrc })]);
    templates.push([1, encodeIgmpFrame({ message: v3Query({ maxRespTime: 10 }), src, macSrc })]);
  } else if (mix === "vlan") {
    const vlan = i % 2 === 0 ? [10 + i] : [100, 10 + i];
    for (const m of mixedMessages(i)) templates.push([1, encodeIgmpFrame({ message: m, src, macSrc, vlan })]);
  } else if (mix === "cooked") {
    for (const m of mixedMessages(i)) {
      const pkt = encodeIgmpPacket({ message: m, src });
      const tagged = i % 4 === 0;
      const sll = new Uint8Array(16 + (tagged ? 4 : 0) + pkt.length);
      // packet type 4 (sent by us) or 2 (multicast), ARPHRD_ETHER, a 6-byte address, protocol
      sll.set([0, i % 2 ? 4 : 2, 0, 1, 0, 6, 2, 0, 0, 0, (i >> 8) & 255, i & 255, 0, 0]);
      sll.set(tagged ? [0x81, 0x00, 0, 20, 0x08, 0x00] : [0x08, 0x00], 14);
      sll.set(pkt, tagged ? 20 : 16);
      templates.push([113, sll]);
    }
  } else throw new Error(`unknown mix ${mix}`);
}
const w = openCaptureWriter(out, { linkType: templates[0][0], bufferSize: 1 << 20 });
const t0 = 1_763_700_000_000_000_000n;
for (let i = 0; i < n; i++) {
  const [, data] = templates[(i * 7919) % templates.length];
  w.write({ timestampNs: t0 + BigInt(i) * 10_000n, wireLength: data.length, data });
}
w.close();
console.error(`wrote ${n} frames (${mix}) to ${out}`);
