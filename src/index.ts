/**
 * igmpkit: IGMP toolkit. The wire codec is also published alone as `igmpkit/wire`.
 * @packageDocumentation
 */
export * from "./wire/index.js";
export * from "./pcap/index.js";
export {
  readCaptureFile,
  openCaptureWriter,
  captureFormatForPath,
  CaptureWriteError,
  isCaptureWriteError,
  type CaptureFileReader,
  type CaptureWriter,
  type CaptureWriterOptions,
  type CaptureFormat,
  type ReadCaptureOptions,
} from "./capture/file.js";
export * from "./monitor/index.js";
export { StatsCollector, statsOf, summarizeDelays, type DelaySummary, type GroupStats, type HostStats, type IgmpStats, type QuerierStats, type ReportCounts } from "./monitor/stats.js";
export { decodeCapture, readCapture, lintFile, monitorFile, scanCaptureFile, type FileStatus, type FrameSink, type ScanFileOptions, type FileRunOptions, type LintFileResult, type MonitorFileResult } from "./capture/read.js";
export * from "./capture/watch.js";
/** The host-state emulator (sans-IO): `host.Host`, `host.Emulator`, `host.OfflineReplay`, `host.parseScenario`... */
export * as host from "./host/index.js";
// live capture: what a program opens and handles; the agent's tuning and cap's loading stay inside
export {
  openLiveCapture,
  listInterfaces,
  CaptureError,
  CaptureErrorCode,
  isCaptureError,
  DEFAULT_FILTER,
  DEFAULT_FILTER_UNTAGGED,
  type AgentStats,
  type InterfaceInfo,
  type LiveCapture,
  type LiveCaptureOptions,
  type LiveCaptureReader,
  type LiveCaptureStats,
  type PcapStats,
  type TimestampSource,
} from "./capture/live.js";
export { frameToJson } from "./cli/fastjson.js";
/** The conformance runner's library (sans-IO): cases as data plus a function, the runner, an emulated DUT. */
export * as conform from "./conform/index.js";
/** The conformance runner on a live LAN: libpcap capture and send, the DUT hook, the evidence file. */
export { openLiveLan, LiveLan, HookError, type LiveLanOptions } from "./io/conform-live.js";
export type { ClockSources } from "./capture/wall-steps.js";
/** Drivers of the querier: offline with emulated hosts (`QuerierLan`), live (`QuerierDriver`). */
export * from "./querier/index.js";
/** The Linux kernel's multicast tables (sans-IO parsers, state, findings, the wire-and-kernel join): `kernel.kernelState`... */
export * as kernel from "./kernel/index.js";
export { readKernelState, readKernelTexts, KernelReadError, isKernelReadError, type ReadKernelOptions } from "./io/kernel.js";
export { watchKernelBeside, type KernelBeside, type KernelBesideOptions } from "./io/wire-kernel.js";
