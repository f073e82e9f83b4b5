/**
 * tshark as an independent decoding oracle: run `tshark -T json --no-duplicate-keys` on a capture and
 * pull out the IGMP fields igmpkit cross-checks. Known tshark faults (LAB.md): it checks v1/v2 checksums
 * over 8 bytes only, calls 9-11 byte queries v2 and shows QQIC raw; callers avoid or allow for those.
 */
import { execFileSync } from "node:child_process";

export interface TsharkRecord {
  type: number;
  auxWords: number;
  group: string;
  sources: string[];
}

export interface TsharkIgmp {
  frame: number;
  type: number;
  version: number | null;
  checksum: number;
  checksumStatus: number | null;
  group: string | null;
  maxResp: number | null;
  s: number | null;
  qrv: number | null;
  qqic: number | null;
  sources: string[];
  records: TsharkRecord[] | null;
}

const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const num = (v: unknown): number | null => (v === undefined ? null : Number(v));

function flatten(obj: Record<string, unknown>, out: Record<string, unknown> = {}): Record<string, unknown> {
  // tshark nests fields under subtree labels ("Flags", "Group Record : ..."); keep igmp.* leaves.
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith("Group Record")) continue;
    if (k.startsWith("igmp.") && (typeof v === "string" || Array.isArray(v))) out[k] = v;
    else if (v && typeof v === "object" && !Array.isArray(v)) flatten(v as Record<string, unknown>, out);
  }
  return out;
}

/** Decode `file` with tshark; one entry per frame that has an IGMP layer. */
export function tsharkIgmp(file: string): TsharkIgmp[] {
  const json = execFileSync("tshark", ["-r", file, "-T", "json", "--no-duplicate-keys"], {
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const packets = JSON.parse(json) as Array<{ _source: { layers: Record<string, unknown> } }>;
  const out: TsharkIgmp[] = [];
  for (const p of packets) {
    const layers = p._source.layers;
    const igmp = layers.igmp as Record<string, unknown> | undefined;
    if (!igmp) continue;
    const f = flatten(igmp);
    const recordKeys = Object.keys(igmp).filter((k) => k.startsWith("Group Record"));
    const records =
      f["igmp.num_grp_recs"] === undefined
        ? null
        : recordKeys.flatMap((k) =>
            asList(igmp[k] as Record<string, unknown> | Record<string, unknown>[]).map((r) => ({
              type: Number(r["igmp.record_type"]),
              auxWords: Number(r["igmp.aux_data_len"]),
              group: String(r["igmp.maddr"]),
              sources: asList(r["igmp.saddr"] as string | string[] | undefined),
            })),
          );
    const frame = layers.frame as Record<string, string>;
    out.push({
      frame: Number(frame["frame.number"]),
      type: Number(f["igmp.type"]),
      version: num(f["igmp.version"]),
      checksum: Number(f["igmp.checksum"]),
      checksumStatus: num(f["igmp.checksum.status"]),
      group: (f["igmp.maddr"] as string | undefined) ?? null,
      maxResp: num(f["igmp.max_resp"]),
      s: num(f["igmp.s"]),
      qrv: num(f["igmp.qrv"]),
      qqic: num(f["igmp.qqic"]),
      sources: asList(f["igmp.saddr"] as string | string[] | undefined),
      records,
    });
  }
  return out;
}
