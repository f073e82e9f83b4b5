/**
 * igmpkit's router's-eye view and conformance checks, as a library for CI suites:
 * `monitor` decoded frames (events and the router state at the end) or `lint` them (findings). Sans-IO:
 * `readCapture` (a file) and `watchLive` (an interface, in real time) are in src/capture, and all three
 * are exported from the package root.
 * @packageDocumentation
 */
import type { DecodedFrame } from "../wire/index.js";
import { lintFrames, type Finding, type LintOptions } from "./lint.js";
import { monitorFrames, type MonitorConfig, type MonitorEvent, type MonitorSnapshot, type MonitorState } from "./state.js";

export * from "./lint.js";
export * from "./state.js";

/** What {@link monitor} returns. */
export interface MonitorResult {
  /** Every event in order (join, leave, expiry, source-added/removed, querier-elected/changed, ...). */
  events: MonitorEvent[];
  /** The router's view after the last frame. */
  snapshot: MonitorSnapshot;
  /** The machine itself, to `advance` further or look at `timers()`. */
  state: MonitorState;
}

/** Run decoded frames (from {@link readCapture}) through the router state machine, on the capture's clock. */
export function monitor(frames: Iterable<DecodedFrame>, config: MonitorConfig = {}): MonitorResult {
  return monitorFrames(frames, config);
}

/** Conformance findings over decoded frames (RFC 2236, RFC 9776, RFC 4604). */
export function lint(frames: Iterable<DecodedFrame>, options: LintOptions = {}): Finding[] {
  return lintFrames(frames, options);
}
export * from "./querier.js";
