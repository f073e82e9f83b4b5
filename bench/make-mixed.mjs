// Make an N-frame mixed IGMP pcap: queries of all versions, v3 reports with records and sources, v1/v2
// reports and leaves. Usage: node bench/make-mixed.mjs OUT.pcap [N]   (needs `npm run build` first)
import { openCaptureWriter, encodeIgmpFrame, v1Query, v2Query, v3Query, v1Report, v2Report, leave, v3Report } from "../dist/index.js";

const out = process.argv[2] ?? "bench/out/mixed-1m.pcap";
const n = Number(process.argv[3] ?? 1_000_000);
const ip = (i) => `198.18.${(i >> 8) & 255}.${i & 255}`;
const grp = (i) => `239.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const templates = [];
for (let i = 0; i < 64; i++) {
  const src = ip(i + 2);
  const macSrc = `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
  const msgs = [
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
  for (const m of msgs) templates.push(encodeIgmpFrame({ message: m, src, macSrc }));
}
const w = openCaptureWriter(out, { linkType: 1, bufferSize: 1 << 20 });
const t0 = 1_763_700_000_000_000_000n;
for (let i = 0; i < n; i++) {
  const data = templates[i % templates.length];
  w.write({ timestampNs: t0 + BigInt(i) * 10_000n, wireLength: data.length, data });
}
w.close();
console.error(`wrote ${n} frames to ${out}`);
