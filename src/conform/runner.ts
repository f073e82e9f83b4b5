/**
 * Runs conformance cases one after the other on a {@link ConformEnv}: picks the cases of the role and
 * version, gives each its own groups, undoes the DUT joins a case leaves behind, and turns a thrown error
 * into an inconclusive verdict (a hook that fails says nothing about the DUT's conformance).
 */
import { ipv4ToNumber, isIPv4, isMulticast, numberToIPv4 } from "../wire/index.js";
import { Querier } from "../monitor/querier.js";
import type { CaseContext, CaseResult, ConformCase, ConformEnv, ConformResult, ConformRole, ConformSettings, DutAction, IgmpVersion, Verdict, VerdictStatus } from "./types.js";

/** Groups each case may use (from its base group on). */
export const GROUPS_PER_CASE = 8;

export function defaultSettings(version: IgmpVersion, o: Partial<ConformSettings> = {}): ConformSettings {
  const robustness = o.robustness ?? 2;
  return {
    version,
    maxRespMs: 2000,
    slackMs: 200,
    unsolicitedMs: version === 3 ? 1000 : 10_000,
    robustness,
    queryIntervalMs: o.expectedQueryIntervalMs ?? 125_000,
    expectedQueryIntervalMs: null,
    maxWaitMs: 60_000,
    lastMemberIntervalMs: 1000,
    lastMemberCount: o.lastMemberCount ?? robustness,
    dutStarts: false,
    startupIntervalMs: null,
    firstGroup: "239.77.0.0",
    sources: ["198.18.200.1", "198.18.200.2"],
    maxGroups: 1024,
    ...o,
  };
}

export interface RunOptions {
  role: ConformRole;
  settings: ConformSettings;
  /** Case ids to run (exact ids, or a prefix ending in `*`); default every case of the role. */
  cases?: readonly string[];
  /** Stops between cases: the result is then marked partial. */
  signal?: AbortSignal;
  /** Told about each result as soon as it is known. */
  onResult?: (r: CaseResult) => void;
}

/** The cases a run would execute, in order (late cases last), and the explicitly asked ones that do not apply. */
export function selectCases(all: readonly ConformCase[], o: Pick<RunOptions, "role" | "cases">): ConformCase[] {
  const ofRole = all.filter((c) => c.role === o.role);
  let picked = ofRole;
  if (o.cases !== undefined && o.cases.length > 0) {
    const want = o.cases;
    picked = ofRole.filter((c) => want.some((w) => (w.endsWith("*") ? c.id.startsWith(w.slice(0, -1)) : c.id === w)));
  }
  return [...picked.filter((c) => !c.late), ...picked.filter((c) => c.late)];
}

/** Unknown ids in a `--cases` list (usage errors). */
export function unknownCases(all: readonly ConformCase[], ids: readonly string[]): string[] {
  return ids.filter((w) => !all.some((c) => (w.endsWith("*") ? c.id.startsWith(w.slice(0, -1)) : c.id === w)));
}

/** An env wrapper that remembers the joins a case made, so the runner can undo them. */
class Tracking {
  readonly held = new Map<string, DutAction>();
  constructor(readonly env: ConformEnv) {}
  async act(a: DutAction): Promise<void> {
    await this.env.act(a);
    const key = `${a.group}|${a.socket ?? ""}|${"source" in a ? a.source : ""}`;
    if (a.op === "join" || a.op === "joinsrc") this.held.set(key, a);
    else if (a.op === "leave" || a.op === "leavesrc") this.held.delete(key);
  }
  async undo(): Promise<void> {
    for (const a of [...this.held.values()].reverse()) {
      if (a.op === "join") await this.env.act({ op: "leave", group: a.group, ...(a.socket ? { socket: a.socket } : {}) });
      else if (a.op === "joinsrc") await this.env.act({ op: "leavesrc", group: a.group, source: a.source, ...(a.socket ? { socket: a.socket } : {}) });
    }
    this.held.clear();
  }
}

/** `env` with its `act` going through `tracking` (methods bound, so the env keeps its own state). */
function trackedEnv(env: ConformEnv, tracking: Tracking): ConformEnv {
  return {
    get self() {
      return env.self;
    },
    get dut() {
      return env.dut;
    },
    get canAct() {
      return env.canAct;
    },
    get frames() {
      return env.frames;
    },
    now: () => env.now(),
    sleep: (ms) => env.sleep(ms),
    send: (f) => env.send(f),
    act: (a) => tracking.act(a),
    ...(env.ports !== undefined ? { ports: env.ports } : {}),
    ...(env.sendOn !== undefined ? { sendOn: (p: string, f: Uint8Array) => env.sendOn!(p, f) } : {}),
    ...(env.stream !== undefined ? { stream: (p: string, make: (i: number) => Uint8Array, ms: number) => env.stream!(p, make, ms) } : {}),
    setCase: (id) => env.setCase(id),
    close: () => env.close(),
  };
}

function context(env: ConformEnv, settings: ConformSettings, querier: Querier, base: number): CaseContext {
  return {
    env,
    settings,
    querier,
    group: (i = 0) => {
      if (i < 0 || i >= GROUPS_PER_CASE) throw new RangeError(`a case has groups 0..${GROUPS_PER_CASE - 1}`);
      return numberToIPv4(base + i);
    },
    pass: (observed, frames, measurements) => ({ status: "pass", ...(observed !== undefined ? { observed } : {}), ...(frames ? { frames } : {}), ...(measurements ? { measurements } : {}) }),
    fail: (expected, observed, frames) => ({ status: "fail", expected, observed, ...(frames ? { frames } : {}) }),
    notApplicable: (reason) => ({ status: "not-applicable", reason }),
    inconclusive: (reason, frames) => ({ status: "inconclusive", reason, ...(frames ? { frames } : {}) }),
  };
}

/** Whether a failed case of this level makes the run fail (exit 1). */
export function failsRun(level: ConformCase["level"]): boolean {
  return level === "MUST" || level === "NEGATIVE";
}

/** Run the selected cases. */
export async function runConformance(env: ConformEnv, all: readonly ConformCase[], o: RunOptions): Promise<ConformResult> {
  const s = o.settings;
  if (!isIPv4(s.firstGroup) || !isMulticast(s.firstGroup)) throw new RangeError(`first group ${s.firstGroup} is not a multicast address`);
  const cases = selectCases(all, o);
  const results: CaseResult[] = [];
  const counts: Record<VerdictStatus, number> = { pass: 0, fail: 0, "not-applicable": 0, inconclusive: 0 };
  let partial = false;
  const first = ipv4ToNumber(s.firstGroup);
  // The runner is igmpkit's querier: the cases' queries are its scripted queries.
  const querier = new Querier({ address: env.self.ip, mac: env.self.mac, version: s.version });
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k]!;
    if (o.signal?.aborted) {
      partial = true;
      break;
    }
    const startMs = env.now();
    let verdict: Verdict;
    const tracking = new Tracking(env);
    const caseEnv = trackedEnv(env, tracking);
    if (!c.versions.includes(s.version)) {
      verdict = { status: "not-applicable", reason: `applies to IGMPv${c.versions.join(", v")}` };
    } else if ((c.needsHook ?? c.role === "host") && !env.canAct) {
      verdict = { status: "not-applicable", reason: "needs a hook to drive the DUT's sockets (--hook)" };
    } else {
      env.setCase(c.id);
      try {
        verdict = await c.run(context(caseEnv, s, querier, first + k * GROUPS_PER_CASE));
      } catch (e) {
        verdict = { status: "inconclusive", reason: `the case could not run: ${e instanceof Error ? e.message : String(e)}` };
      }
      try {
        await tracking.undo();
      } catch (e) {
        if (verdict.status === "pass") verdict = { status: "inconclusive", reason: `cleanup failed: ${e instanceof Error ? e.message : String(e)}` };
      }
      env.setCase(null);
    }
    const r: CaseResult = { id: c.id, title: c.title, rfc: c.rfc, level: c.level, verdict, startMs: Math.round(startMs), durationMs: Math.round(env.now() - startMs) };
    results.push(r);
    counts[verdict.status]++;
    o.onResult?.(r);
  }
  const byId = new Map(cases.map((c) => [c.id, c]));
  const mustFailed = results.some((r) => r.verdict.status === "fail" && failsRun(byId.get(r.id)!.level));
  return { role: o.role, version: s.version, dut: env.dut, results, counts, mustFailed, partial };
}
