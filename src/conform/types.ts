/**
 * The conformance runner's vocabulary: a case is data (id, title, RFC clause, level, role, versions) plus
 * one async function over a {@link CaseContext}; the context is built on a {@link ConformEnv}, which is
 * either a live LAN (src/capture) or a virtual one with an emulated device under test (./offline.ts).
 * Nothing here touches a socket or the system clock: time passes only through `env.sleep`.
 */
import type { DecodedFrame } from "../wire/index.js";
import type { Querier } from "../monitor/querier.js";

/** Which side the device under test (DUT) plays. */
export type ConformRole = "host" | "router" | "switch";

/** How binding the clause is. `NEGATIVE`: the DUT must ignore what the case sends. */
export type ConformLevel = "MUST" | "SHOULD" | "MAY" | "NEGATIVE";

export type IgmpVersion = 1 | 2 | 3;

export type VerdictStatus = "pass" | "fail" | "not-applicable" | "inconclusive";

/** The outcome of one case. */
export interface Verdict {
  status: VerdictStatus;
  /** For `fail`: what the clause asks for. */
  expected?: string;
  /** For `fail` (and informative for `pass`): what the DUT did. */
  observed?: string;
  /** For `not-applicable` and `inconclusive`: why. */
  reason?: string;
  /** LAN frame numbers (from 1, as in the evidence file) that show the outcome. */
  frames?: number[];
  /** Measurements a case reports (delays in ms, counts). */
  measurements?: Record<string, number>;
}

/** A socket operation the runner asks the DUT host to perform (through the hook). */
export type DutAction =
  | { op: "join"; group: string; socket?: string }
  | { op: "leave"; group: string; socket?: string }
  | { op: "joinsrc" | "leavesrc" | "block" | "unblock"; group: string; source: string; socket?: string };

/** One frame seen on the LAN during a run. */
export interface LanFrame {
  /** 1-based, in the order frames were seen; the evidence file's frame number. */
  number: number;
  /** Milliseconds since the run started. */
  timeMs: number;
  /** Sent by the runner itself. */
  sent: boolean;
  /** The case running when the frame was seen. */
  caseId: string | null;
  data: Uint8Array;
  /** LINKTYPE_* of `data`. */
  linkType: number;
  decoded: DecodedFrame;
  /** Role switch: the port (runner's interface) the frame was seen on or sent from. */
  port?: string;
}

/** Role switch: the runner's interfaces on the switch's ports. */
export interface SwitchPorts {
  /** Ports where the runner plays hosts (at least two). */
  hosts: readonly string[];
  /** The port of the multicast source. */
  source: string;
}

/** The LAN the runner works on: live or virtual. */
export interface ConformEnv {
  /** The runner's own address and MAC (the querier for role host, the first emulated host for role router). */
  readonly self: { ip: string; mac: string };
  /** The DUT's address, when known. */
  readonly dut: string | undefined;
  /** Whether DUT socket operations can be asked for (a hook is configured). */
  readonly canAct: boolean;
  /** Milliseconds since the run started. */
  now(): number;
  /** Let `ms` pass; frames seen meanwhile are appended to `frames`. */
  sleep(ms: number): Promise<void>;
  /** Put a whole Ethernet frame on the LAN; it is appended to `frames` as sent, and returned. */
  send(frame: Uint8Array): Promise<LanFrame>;
  /** Role switch: the ports, and sending on one of them. */
  readonly ports?: SwitchPorts;
  sendOn?(port: string, frame: Uint8Array): Promise<LanFrame>;
  /** Role switch: send `make(i)` on `port` every `everyMs` until the returned function is called. */
  stream?(port: string, make: (i: number) => Uint8Array, everyMs: number): () => void;
  /** Ask the DUT host to do a socket operation; resolves when the hook says it is done. */
  act(action: DutAction): Promise<void>;
  /** Every frame seen so far. */
  readonly frames: readonly LanFrame[];
  /** Called by the runner when a case starts or ends (for frame attribution). */
  setCase(id: string | null): void;
  /** Release what the environment holds (hook process, capture). */
  close(): Promise<void>;
}

/** Settings a run uses: the version the runner speaks and the protocol timers it uses and expects. */
export interface ConformSettings {
  version: IgmpVersion;
  /** Max Resp Time of the runner's queries, ms. Default 2000. */
  maxRespMs: number;
  /** Extra time allowed for the DUT's answer to reach the runner, ms. Default 200. */
  slackMs: number;
  /** The DUT host's unsolicited report interval, ms (v3 default 1000; v1/v2 10000). */
  unsolicitedMs: number;
  /** Robustness the DUT is expected to use. Default 2. */
  robustness: number;
  /** Role router: the DUT's query interval, ms (when it does not advertise one: v1/v2). Default 125000. */
  queryIntervalMs: number;
  /** Role router: the Query Interval the DUT is configured with, when the user says (its QQI must match). */
  expectedQueryIntervalMs: number | null;
  /** Longest a case may wait for the DUT, ms; a case that would need more is inconclusive. Default 60 000. */
  maxWaitMs: number;
  /** Role router: Last Member Query Interval expected, ms. Default 1000. */
  lastMemberIntervalMs: number;
  /** Role router: Last Member Query Count expected. Default: robustness. */
  lastMemberCount: number;
  /** Role router: the runner listened before the DUT started, so its first queries are its startup queries. Default false. */
  dutStarts: boolean;
  /** Role router: Startup Query Interval expected, ms; null: a quarter of the Query Interval (RFC 9776 §8.6). */
  startupIntervalMs: number | null;
  /** First group address the cases use (each case takes its own groups from here on). */
  firstGroup: string;
  /** Source addresses cases use in source lists (role switch: the multicast source sends from both). */
  sources: [string, string];
  /** Role switch: the most groups the capacity case joins (it grows 16, 32, 64, ... up to this). Default 1024. */
  maxGroups: number;
}

/** What a case function gets. */
export interface CaseContext {
  readonly env: ConformEnv;
  readonly settings: ConformSettings;
  /**
   * igmpkit's querier at the runner's address (`env.self`), one for the whole run: every query a case sends
   * is built by its `query()` (see `sendQuery`). Never started, so it sends nothing on its own.
   */
  readonly querier: Querier;
  /** Groups reserved for this case (distinct from every other case's). */
  group(i?: number): string;
  pass(observed?: string, frames?: number[], measurements?: Record<string, number>): Verdict;
  fail(expected: string, observed: string, frames?: number[]): Verdict;
  notApplicable(reason: string): Verdict;
  inconclusive(reason: string, frames?: number[]): Verdict;
}

/** One conformance case. */
export interface ConformCase {
  /** Stable id, `role.name` (for `--cases`). */
  id: string;
  title: string;
  /** e.g. "RFC 9776 §5.2". */
  rfc: string;
  level: ConformLevel;
  role: ConformRole;
  /** Versions of the runner's run this case applies to. */
  versions: readonly IgmpVersion[];
  /** Needs the DUT hook (socket operations). Default true for role host. */
  needsHook?: boolean;
  /** Runs after the other cases (it leaves the DUT in a state that lasts, e.g. an older-version mode). */
  late?: boolean;
  run(t: CaseContext): Promise<Verdict>;
}

/** A case's result in a run. */
export interface CaseResult {
  id: string;
  title: string;
  rfc: string;
  level: ConformLevel;
  verdict: Verdict;
  startMs: number;
  durationMs: number;
}

/** A whole run. */
export interface ConformResult {
  role: ConformRole;
  version: IgmpVersion;
  dut: string | undefined;
  results: CaseResult[];
  counts: Record<VerdictStatus, number>;
  /** A MUST (or NEGATIVE) case failed. */
  mustFailed: boolean;
  /** Interrupted before every case ran. */
  partial: boolean;
}
