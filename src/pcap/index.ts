/** Capture-file formats (pcap, pcapng): bytes in, frames out, and back. No I/O. */
export type { Frame } from "./frame.js";
export { formatTimestamp } from "./frame.js";
export { PcapError, PcapErrorCode, isPcapError } from "./errors.js";
export type { PcapIssue } from "./errors.js";
export { CaptureParser, parseCapture, MAX_ERRORS_KEPT, MAX_INTERFACES_KEPT, MAX_INTERFACES_PER_SECTION, MAX_OPTION_STRING, MAX_SECTIONS_KEPT } from "./reader.js";
export type { CaptureParserOptions, FrameVisitor, ParsedCapture } from "./reader.js";
export type { ByteOrder, CaptureInfo, InterfaceStatistics, PcapFileInfo, PcapngFileInfo, PcapngInterface, PcapngSectionInfo } from "./info.js";
export { PcapWriter, PcapngWriter } from "./writer.js";
export type { PcapWriterOptions, PcapngWriterOptions, PcapngInterfaceDescription, WritableFrame } from "./writer.js";
export { MAX_CAPLEN, MAX_BLOCK_LENGTH, PcapngBlockType } from "./format.js";
