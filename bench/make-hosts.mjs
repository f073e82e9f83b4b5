// Make an N-frame capture of a LAN with H hosts and G groups: IGMPv3 reports (4 MODE_IS_EXCLUDE records
// each, hosts in turn, 10 ms apart, the records cycling through all G groups) and a v3 general query every
// 10 s (advertising the default QQI, 125 s, so a group refreshed every 250 s stays). Frames are the same size whatever G, so decode costs the same and only the state grows.
// Order "shuffled": the records take the groups in a fixed pseudo-random permutation (the same for every
// run) instead of in address order, so that consecutive records name groups far apart in the address
// space, as on a LAN whose viewers zap between unrelated channels; the groups and counts are the same.
// Usage: node bench/make-hosts.mjs OUT.pcap [frames=1000000] [hosts=1000] [groups=100000] [order=sequential|shuffled]  (after `npm run build`)
import { openCaptureWriter, encodeIgmpFrame, v3Query, v3Report } from "../dist/index.js";

const out = process.argv[2] ?? "bench/out/hosts.pcap";
const n = Number(process.argv[3] ?? 1_000_000);
const hosts = Number(process.argv[4] ?? 1000);
const groups = Number(process.argv[5] ?? 100_000);
const order = process.argv[6] ?? "sequential";
if (order !== "sequential" && order !== "shuffled") throw new Error(`order: sequential or shuffled, not ${order}`);
// group index -> the group the records name: identity, or a Fisher-Yates shuffle driven by a fixed xorshift32
const perm = Uint32Array.from({ length: groups }, (_, i) => i);
if (order === "shuffled") {
  let x = 0x9e3779b9;
  for (let i = groups - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
}
const RECORDS = 4;
const STEP_NS = 10_000_000n; // 10 ms between frames
const QUERY_EVERY = 1000; // frames: one general query per 10 s
const ip = (i) => `198.18.${(i >> 8) & 255}.${i & 255}`;
// from 239.1.0.0: groups 239.0.0.x (and x.128.0.y) share 224.0.0.x's MAC (mac-alias), not what is measured here
const grp = (i) => {
  const n = (239 << 24) + (1 << 16) + i;
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
};
const mac = (i) => `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
const query = encodeIgmpFrame({ message: v3Query({ maxRespTime: 10, qrv: 2, qqi: 125 }), src: "198.18.255.1", macSrc: "02:00:00:00:ff:01" });
const w = openCaptureWriter(out, { linkType: 1, bufferSize: 1 << 20 });
const t0 = 1_763_700_000_000_000_000n;
let g = 0;
let h = 0;
for (let i = 0; i < n; i++) {
  let data;
  if (i % QUERY_EVERY === 0) data = query;
  else {
    const records = [];
    for (let r = 0; r < RECORDS; r++) {
      records.push({ type: "MODE_IS_EXCLUDE", group: grp(perm[g]) });
      g = (g + 1) % groups;
    }
    data = encodeIgmpFrame({ message: v3Report(records), src: ip(h + 2), macSrc: mac(h + 2) });
    h = (h + 1) % hosts;
  }
  w.write({ timestampNs: t0 + BigInt(i) * STEP_NS, wireLength: data.length, data });
}
w.close();
console.error(`wrote ${n} frames (${hosts} hosts, ${groups} groups, ${order}) to ${out}`);
