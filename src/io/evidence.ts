/** Conformance evidence files: the frames of a run as pcapng, each with a comment naming its case. */
import { openCaptureWriter, type CaptureWriter } from "../capture/file.js";
import type { LanFrame } from "../conform/types.js";

/** The comment an evidence frame carries. */
export function evidenceComment(f: Pick<LanFrame, "caseId" | "sent">): string {
  return `${f.caseId ?? "between cases"}${f.sent ? " (sent by igmpkit)" : ""}`;
}

/** Open an evidence file (pcapng, ns timestamps, every record written through at once). */
export function openEvidence(path: string, linkType: number, iface?: string): CaptureWriter {
  return openCaptureWriter(path, { format: "pcapng", nanosecond: true, linkType, ...(iface !== undefined ? { interfaceName: iface } : {}), bufferSize: 0 });
}

/** Write a whole run's frames (offline runs; times from an origin of 0 are kept as they are). */
export function writeEvidence(path: string, frames: readonly LanFrame[]): void {
  const w = openEvidence(path, frames[0]?.linkType ?? 1);
  try {
    for (const f of frames) w.write({ data: f.data, linkType: f.linkType, wireLength: f.data.length, timestampNs: BigInt(Math.round(f.timeMs * 1e6)), comment: evidenceComment(f) });
  } finally {
    w.close();
  }
}
