/**
 * The linter's model, apart from its engine (lint.ts) so that the checks it runs (field-checks.ts) and rule
 * control (rule-settings.ts) can name it without importing the engine: findings, options, and the
 * {@link LanCheck} interface a stateful rule implements.
 */
import type { MembershipMessage } from "./message.js";
import type { RuleSettings } from "./rule-settings.js";
import type { LintRule, LintRuleId, Severity } from "./rules.js";
import type { MonitorEvent, MonitorState } from "./state.js";

/** One conformance finding. JSON-ready. */
export interface Finding {
  rule: LintRuleId;
  severity: Severity;
  rfc: string;
  /** Frame numbers (1-based, in capture order) the finding is about (the first {@link MAX_FINDING_FRAMES}). */
  frames: number[];
  /** How many frames the finding is about, when more than `frames` lists. */
  frameCount?: number;
  message: string;
  /** The IPv4 source the finding is about, where there is one. */
  source?: string;
  /** The VLAN tags (outer first) of the LAN the finding is about; absent for untagged frames. */
  vlan?: number[];
  /** The capture file, when the caller names it. */
  file?: string;
}

/** A finding lists at most this many frames (and counts the rest in `frameCount`): memory stays bounded. */
export const MAX_FINDING_FRAMES = 1000;

/** Options of `lint`: grace times and thresholds of the stateful rules, and per-rule settings. */
export interface LintOptions {
  /** Extra time allowed after Max Resp Time before a report is late, ms (capture timestamps jitter). Default 100. */
  lateGraceMs?: number;
  /** Unsolicited Report Interval for IGMPv3 state changes, seconds (RFC 9776 §8.11). Default 1. */
  unsolicitedReportInterval?: number;
  /** A higher-address querier may still send a query this long after it first hears the lower one's, ms (races). Default 1000. */
  querierGraceMs?: number;
  /** Leaves without having reported last before `leave-not-last-reporter` fires. Default 2. */
  leaveThreshold?: number;
  /**
   * A frame stamped at most this much earlier than one before it is not a `timestamps-out-of-order`
   * finding, ms (capture stamps taken on different CPUs or ports differ by microseconds). Default 10.
   */
  reorderToleranceMs?: number;
  /** Rules turned "off" or given another severity, by id (an unknown id or value throws a RangeError). */
  rules?: RuleSettings;
}

/** What a {@link LanCheck} sees of its LAN (one VLAN of the capture). */
export interface LanContext {
  readonly options: Readonly<Required<LintOptions>>;
  /** The router's view of the LAN: after the message in `after`, before it in `before`. */
  readonly state: MonitorState;
  /** Add `frame` to the finding with this rule and message (created on first use; per-frame findings merge). */
  note(rule: LintRule, frame: number, message: string, source?: string): void;
  /** A finding of its own. */
  report(rule: LintRule, frames: number[], message: string, source?: string): void;
}

/**
 * A stateful rule's check, one instance per LAN. It sees every membership message a router would take
 * (well-formed, checksums verified), in capture order, on the capture's clock (`m.timeMs`, never going
 * backwards). Addresses in `m` are 32-bit numbers (`numberToIPv4` for messages). Keep per-frame work
 * independent of the number of groups: maps keyed by address, deadlines in order, no scans.
 */
export interface LanCheck {
  /** Before the router state applies `m` (e.g. who was querier when a query came). */
  before?(m: MembershipMessage, lan: LanContext): void;
  /** After: `events` are what `m` changed (timer expiries due before it come first). */
  after?(m: MembershipMessage, events: readonly MonitorEvent[], lan: LanContext): void;
  /** The capture ended; `endMs` is the LAN's latest time. */
  finish?(endMs: number, lan: LanContext): void;
}

/** Makes one {@link LanCheck} per LAN. */
export type LanCheckFactory = (options: Readonly<Required<LintOptions>>) => LanCheck;
