/**
 * A host's protocol state per interface and per group (RFC 9776 §5, RFC 2236 §3, §6, §7), with every timer
 * as the time it fires (milliseconds, the host's clock) or null when not running.
 */
import { isEmptyFilter, type SourceFilter } from "./filter.js";
import type { IgmpVersion } from "./profile.js";

/** Per-interface, per-group protocol state. */
export interface GroupState {
  group: string;
  /** Creation order: the order of the interface's group map, kept for record order in reports. */
  seq: number;
  /** The interface's reception state (§3.2 merge). */
  filter: SourceFilter;
  // v3 state-change retransmission (§5.1)
  modeRetx: number;
  srcRetx: Map<string, number>;
  // v3 query response (§5.2): group timer and recorded sources (null: none / group-specific)
  respAt: number | null;
  respSources: Set<string> | null;
  // v1/v2 (RFC 2236 §6): Delaying Member while oldAt is set; Idle Member otherwise
  oldAt: number | null;
  lastReporter: boolean;
  unsolicitedLeft: number;
}

/** Per-interface protocol state. */
export interface IfaceState {
  name: string;
  ip: string;
  mac: string;
  version: IgmpVersion;
  mtu: number;
  vlan: number[];
  groups: Map<string, GroupState>;
  v1Until: number;
  v2Until: number;
  rv: number;
  qiMs: number;
  /** Interface timer: pending response to a general query (§5.2 rule 2). */
  gqAt: number | null;
  /** State-change report retransmission timer (§5.1). */
  scrAt: number | null;
  /** The pending state-change report is a new one, not a retransmission. */
  scrFresh: boolean;
  /** Groups with state-change retransmissions left (modeRetx > 0 or srcRetx not empty). */
  pending: Set<GroupState>;
}

/** INCLUDE {}: no reception state. */
export const EMPTY: SourceFilter = Object.freeze({ mode: "include", sources: new Set<string>() }) as SourceFilter;

/** Whether the interface has reception state for the group. */
export function hasState(g: GroupState): boolean {
  return !isEmptyFilter(g.filter);
}

/** A group's state before anything happened to it. */
export function newGroupState(group: string, seq: number): GroupState {
  return { group, seq, filter: EMPTY, modeRetx: 0, srcRetx: new Map(), respAt: null, respSources: null, oldAt: null, lastReporter: false, unsolicitedLeft: 0 };
}

/** No reception state and no timer or retransmission pending: the group's entry can go. */
export function isIdle(g: GroupState): boolean {
  return !hasState(g) && g.modeRetx === 0 && g.srcRetx.size === 0 && g.respAt === null && g.oldAt === null;
}

/** The host's timers (RFC 9776 §5, RFC 2236 §3, §7): which one fires next. */
export const TimerKind = {
  /** Interface timer: the pending response to a general query. */
  generalResponse: 1,
  /** Retransmission of a state-change report. */
  stateChange: 2,
  /** v3 group timer: the pending response to a group(-and-source)-specific query. */
  groupResponse: 3,
  /** v1/v2 report delay of a Delaying Member (RFC 2236 §6). */
  v1v2Report: 4,
} as const;
export type TimerKind = (typeof TimerKind)[keyof typeof TimerKind];

/** The timer due first: when, which, on which interface and (for the group timers) which group. */
export interface DueTimer {
  at: number;
  kind: TimerKind;
  ifc: IfaceState;
  g: GroupState | undefined;
}

/** The earliest running timer over the interfaces, or null; scans without allocating but for the answer. */
export function earliestTimer(ifaces: Iterable<IfaceState>): DueTimer | null {
  let at = Infinity;
  let kind: TimerKind = TimerKind.generalResponse;
  let ifcBest: IfaceState | undefined;
  let gBest: GroupState | undefined;
  for (const ifc of ifaces) {
    if (ifc.gqAt !== null && ifc.gqAt < at) [at, kind, ifcBest] = [ifc.gqAt, TimerKind.generalResponse, ifc];
    if (ifc.scrAt !== null && ifc.scrAt < at) [at, kind, ifcBest] = [ifc.scrAt, TimerKind.stateChange, ifc];
    for (const g of ifc.groups.values()) {
      if (g.respAt !== null && g.respAt < at) [at, kind, ifcBest, gBest] = [g.respAt, TimerKind.groupResponse, ifc, g];
      if (g.oldAt !== null && g.oldAt < at) [at, kind, ifcBest, gBest] = [g.oldAt, TimerKind.v1v2Report, ifc, g];
    }
  }
  return ifcBest === undefined ? null : { at, kind, ifc: ifcBest, g: gBest };
}
