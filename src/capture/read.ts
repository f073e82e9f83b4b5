/**
 * Reading a capture file into the decoded JSON model, for the library API (`readCapture` feeds `monitor`
 * and `lint`). Lives in src/capture because it touches the file system; src/monitor stays sans-IO.
 */
import { readCaptureFile } from "./file.js";
import { decodeFrame, type DecodedFrame } from "../wire/index.js";

/**
 * Decode every frame of a pcap/pcapng file (plain or gzip), numbered from 1 in file order. Frames without
 * IGMP are kept (with `igmp: null`) so that frame numbers match Wireshark's.
 */
export async function* decodeCapture(path: string): AsyncGenerator<DecodedFrame> {
  let n = 0;
  for await (const f of readCaptureFile(path)) {
    n++;
    yield decodeFrame({ data: f.data, linkType: f.linkType, timestampNs: f.timestampNs, wireLength: f.wireLength }, n);
  }
}

/** Read a whole capture file into decoded frames (see {@link decodeCapture}). */
export async function readCapture(path: string): Promise<DecodedFrame[]> {
  const out: DecodedFrame[] = [];
  for await (const f of decodeCapture(path)) out.push(f);
  return out;
}
