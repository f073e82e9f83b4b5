/**
 * Scenario files: the emulated hosts, their versions and a timeline of socket operations, as JSON.
 * Validated by hand (no schema dependency); every problem is reported with its JSON path.
 *
 * ```json
 * {
 *   "seed": 1, "profile": "rfc", "version": 3, "mtu": 1500, "ppsLimit": 0,
 *   "hosts": [{ "name": "a", "ip": "198.18.0.10", "version": 2 }, { "firstIp": "198.18.0.20", "count": 50 }],
 *   "timeline": [
 *     { "at": 0, "host": "*", "op": "join", "group": "239.1.1.1" },
 *     { "at": 1.5, "host": "a", "op": "joinSource", "group": "232.1.1.1", "source": "198.18.0.9", "socket": "s2" },
 *     { "at": 30, "host": ["a", 3], "op": "setSourceFilter", "group": "239.1.1.1", "mode": "exclude", "sources": ["10.0.0.1"] },
 *     { "at": 60, "host": "198.18.0.21", "op": "closeSocket" },
 *     { "at": 90, "host": "a", "op": "crash" }
 *   ]
 * }
 * ```
 * `at` is in seconds from the start (the first captured frame when replaying). `host` is a name, an IP, an
 * index into the expanded host list, "*" for all, or a list of these. `socket` names a socket of that host
 * ("default" when absent); it is opened on first use. A host with `"deaf": true` hears no IGMP (it never
 * answers a query); `crash` silences a host without a leave.
 */
import { dottedQuadProblem, ipv4ToNumber, isIPv4, isMulticast, numberToIPv4 } from "../wire/index.js";
import { HOST_BYTES, MAX_HOSTS, MAX_MEMBERSHIPS, MEMBERSHIP_BYTES, type EmulatedHostConfig, type EmulatorOptions, type HostOp } from "./emulator.js";
import { HostError, HostErrorCode } from "./errors.js";
import type { IgmpVersion } from "./profile.js";

/** One timeline entry after validation: hosts resolved to indexes. */
export interface ScenarioEvent {
  /** Milliseconds from the start. */
  atMs: number;
  hosts: number[];
  op: HostOp;
  /** JSON path of the entry, for error messages ("timeline[3]"). */
  path: string;
}

export interface Scenario {
  seed: number | undefined;
  emulator: EmulatorOptions & { hosts: EmulatedHostConfig[] };
  /** Sorted by time (stable: entries at the same time keep file order). */
  timeline: ScenarioEvent[];
}

const OPS = ["join", "leave", "joinSource", "leaveSource", "blockSource", "unblockSource", "setSourceFilter", "closeSocket", "crash"] as const;
const TOP_KEYS = new Set(["seed", "profile", "version", "mtu", "ppsLimit", "vlan", "robustness", "unsolicitedReportIntervalMs", "oldUnsolicitedReportIntervalMs", "queryIntervalMs", "queryResponseIntervalMs", "hosts", "timeline", "$schema", "description"]);
/**
 * Host operations a timeline may expand to in all (an entry for "*" counts once per host): the expanded
 * timeline is held in memory (8 bytes an operation), and each operation takes time to run.
 */
export const MAX_HOST_OPS = 5_000_000;

type Json = unknown;

/**
 * A value from the file as it is shown in a message: JSON (so control characters come out escaped), cut
 * to 60 characters; numbers JSON cannot hold (1e999 parses to Infinity) said in words, not as "null".
 */
function shown(v: Json): string {
  if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "not a number" : "a number too large to be finite";
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The JSON path of a key: `$.name` for plain names, `$["odd key"]` (JSON-escaped) for the rest. */
function keyPath(parent: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}
const isObj = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Validate a parsed scenario; throws HostError "bad-scenario" listing every problem. */
export function parseScenario(json: Json): Scenario {
  const errs: string[] = [];
  let problems = 0;
  const bad = (path: string, msg: string): void => {
    // at most 100 listed: a million bad hosts must not make a million messages
    if (++problems <= 100) errs.push(`${path}: ${msg}`);
  };
  if (!isObj(json)) throw new HostError(HostErrorCode.badScenario, "a scenario must be a JSON object", undefined, ["$: not an object"]);
  for (const k of Object.keys(json)) if (!TOP_KEYS.has(k)) bad(keyPath("$", k), "unknown key");

  const int = (path: string, v: Json, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      bad(path, `must be an integer in ${min}..${max}, got ${shown(v)}`);
      return undefined;
    }
    return v;
  };
  const version = (path: string, v: Json): IgmpVersion | undefined => {
    if (v === undefined) return undefined;
    if (v !== 1 && v !== 2 && v !== 3) {
      bad(path, `must be 1, 2 or 3, got ${shown(v)}`);
      return undefined;
    }
    return v;
  };
  const ip = (path: string, v: Json, what: "unicast" | "multicast"): string | undefined => {
    if (typeof v !== "string" || !isIPv4(v)) {
      bad(path, `must be a dotted-quad IPv4 address, got ${shown(v)}`);
      return undefined;
    }
    const why = dottedQuadProblem(v);
    if (why !== undefined) {
      bad(path, `${JSON.stringify(v)} ${why}`);
      return undefined;
    }
    if (what === "multicast" && !isMulticast(v)) bad(path, `${v} is not a multicast address`);
    if (what === "unicast" && (isMulticast(v) || v === "0.0.0.0")) bad(path, `${v} is not a unicast address`);
    return v;
  };

  const seed = int("$.seed", json.seed, 0, 0xffffffff);
  let profile: "rfc" | "linux" | undefined;
  if (json.profile !== undefined) {
    if (json.profile === "rfc" || json.profile === "linux") profile = json.profile;
    else bad("$.profile", `must be "rfc" or "linux", got ${shown(json.profile)}`);
  }
  const opts: EmulatorOptions & { hosts: EmulatedHostConfig[] } = { hosts: [] };
  const v = version("$.version", json.version);
  if (v !== undefined) opts.version = v;
  if (profile !== undefined) opts.profile = profile;
  const mtu = int("$.mtu", json.mtu, 44, 65535);
  if (mtu !== undefined) opts.mtu = mtu;
  if (json.ppsLimit !== undefined) {
    if (typeof json.ppsLimit !== "number" || !(json.ppsLimit >= 0) || !Number.isFinite(json.ppsLimit)) bad("$.ppsLimit", "must be a number >= 0");
    else opts.ppsLimit = json.ppsLimit;
  }
  if (json.vlan !== undefined) {
    if (!Array.isArray(json.vlan)) bad("$.vlan", "must be a list of VLAN ids");
    else {
      json.vlan.forEach((x, i) => int(`$.vlan[${i}]`, x, 0, 4095));
      opts.vlan = json.vlan as number[];
    }
  }
  const hostOptions: NonNullable<EmulatorOptions["hostOptions"]> = {};
  const rv = int("$.robustness", json.robustness, 1, 7);
  if (rv !== undefined) hostOptions.robustness = rv;
  for (const k of ["unsolicitedReportIntervalMs", "oldUnsolicitedReportIntervalMs", "queryIntervalMs", "queryResponseIntervalMs"] as const) {
    const x = int(`$.${k}`, json[k], 1, 3_600_000);
    if (x !== undefined) hostOptions[k] = x;
  }
  if (Object.keys(hostOptions).length > 0) opts.hostOptions = hostOptions;

  // Hosts
  const hosts = opts.hosts;
  /** The JSON path each expanded host came from. */
  const hostPaths: string[] = [];
  if (!Array.isArray(json.hosts) || json.hosts.length === 0) bad("$.hosts", "must be a non-empty list of hosts");
  else {
    json.hosts.forEach((h, i) => {
      const p = `$.hosts[${i}]`;
      if (!isObj(h)) return bad(p, "must be an object");
      for (const k of Object.keys(h)) if (!["ip", "firstIp", "count", "mac", "name", "version", "deaf"].includes(k)) bad(keyPath(p, k), "unknown key");
      const hv = version(`${p}.version`, h.version);
      if (h.deaf !== undefined && typeof h.deaf !== "boolean") bad(`${p}.deaf`, "must be true or false");
      const deaf = h.deaf === true;
      if (h.count !== undefined || h.firstIp !== undefined) {
        const count = int(`${p}.count`, h.count ?? 1, 1, 0xffffffff);
        const first = ip(`${p}.firstIp`, h.firstIp ?? h.ip, "unicast");
        if (h.mac !== undefined) bad(`${p}.mac`, "a block of hosts gets MACs derived from the addresses");
        if (count === undefined || first === undefined) return;
        const n0 = ipv4ToNumber(first);
        if (n0 + count - 1 > 0xffffffff) return bad(`${p}.count`, "runs past 255.255.255.255");
        if (hosts.length + count > MAX_HOSTS) return bad(`${p}.count`, `more than ${MAX_HOSTS} hosts in all (the emulator's limit, about ${HOST_BYTES} bytes of memory each)`);
        for (let k = 0; k < count; k++) {
          const a = numberToIPv4(n0 + k);
          const c: EmulatedHostConfig = { ip: a, name: typeof h.name === "string" ? `${h.name}${k}` : a };
          if (hv !== undefined) c.version = hv;
          if (deaf) c.deaf = true;
          hosts.push(c);
          hostPaths.push(count > 1 ? `${p} (host ${k} of the block)` : p);
        }
        return;
      }
      const a = ip(`${p}.ip`, h.ip, "unicast");
      if (a === undefined) return;
      const c: EmulatedHostConfig = { ip: a };
      if (h.mac !== undefined) {
        if (typeof h.mac !== "string" || !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(h.mac)) bad(`${p}.mac`, `not a MAC address: ${JSON.stringify(h.mac)}`);
        else c.mac = h.mac;
      }
      if (h.name !== undefined) {
        if (typeof h.name !== "string" || h.name === "" || h.name === "*") bad(`${p}.name`, "must be a non-empty string other than \"*\"");
        else c.name = h.name;
      }
      if (hv !== undefined) c.version = hv;
      if (deaf) c.deaf = true;
      hosts.push(c);
      hostPaths.push(p);
    });
    const seen = new Map<string, number>();
    hosts.forEach((h, i) => {
      for (const key of new Set([h.ip, h.name ?? h.ip])) {
        const j = seen.get(key);
        if (j !== undefined && j !== i) bad(hostPaths[i]!, `${JSON.stringify(key)} is already used by ${hostPaths[j]}`);
        seen.set(key, i);
      }
    });
  }
  const index = new Map<string, number>();
  hosts.forEach((h, i) => {
    index.set(h.ip, i);
    if (h.name !== undefined) index.set(h.name, i);
  });

  // Timeline
  const timeline: ScenarioEvent[] = [];
  const tl = json.timeline ?? [];
  let hostOps = 0;
  let joinOps = 0;
  let freeing = false;
  if (!Array.isArray(tl)) bad("$.timeline", "must be a list of events");
  else {
    tl.forEach((e, i) => {
      const p = `$.timeline[${i}]`;
      if (!isObj(e)) return bad(p, "must be an object");
      const allowed = new Set(["at", "host", "op", "group", "source", "sources", "mode", "socket"]);
      for (const k of Object.keys(e)) if (!allowed.has(k)) bad(keyPath(p, k), "unknown key");
      let atMs = 0;
      if (typeof e.at !== "number" || !Number.isFinite(e.at) || e.at < 0) bad(`${p}.at`, `must be a number of seconds >= 0, got ${shown(e.at)}`);
      else atMs = Math.round(e.at * 1e6) / 1e3;
      const targets: number[] = [];
      const one = (hp: string, h: Json): void => {
        if (hostOps + targets.length + (h === "*" ? hosts.length : 1) > MAX_HOST_OPS) {
          if (hostOps <= MAX_HOST_OPS) bad(hp, `the timeline comes to more than ${MAX_HOST_OPS} host operations (hosts × entries): the emulator's limit`);
          hostOps = MAX_HOST_OPS + 1;
          return;
        }
        if (h === "*") {
          for (let k = 0; k < hosts.length; k++) targets.push(k);
        } else if (typeof h === "number") {
          if (!Number.isInteger(h) || h < 0 || h >= hosts.length) bad(hp, `host index ${h} is out of range 0..${hosts.length - 1}`);
          else targets.push(h);
        } else if (typeof h === "string") {
          const k = index.get(h);
          if (k === undefined) bad(hp, `no host named ${JSON.stringify(h)}`);
          else targets.push(k);
        } else bad(hp, "must be a host name, IP, index or \"*\"");
      };
      if (e.host === undefined) bad(`${p}.host`, "missing");
      else if (Array.isArray(e.host)) e.host.forEach((h, k) => one(`${p}.host[${k}]`, h));
      else one(`${p}.host`, e.host);
      if (typeof e.op !== "string" || !(OPS as readonly string[]).includes(e.op)) {
        return bad(`${p}.op`, `must be one of ${OPS.join(", ")}; got ${shown(e.op)}`);
      }
      let socket: string | undefined;
      if (e.socket !== undefined) {
        if (typeof e.socket === "string" || typeof e.socket === "number") socket = String(e.socket);
        else bad(`${p}.socket`, "must be a socket name");
      }
      const withSocket = <T extends HostOp>(o: T): T => (socket !== undefined ? { ...o, socket } : o);
      const op = e.op as (typeof OPS)[number];
      if (hostOps <= MAX_HOST_OPS) hostOps += targets.length;
      if (op === "join" || op === "joinSource" || op === "setSourceFilter") joinOps += targets.length;
      if (op === "leave" || op === "leaveSource" || op === "closeSocket" || op === "setSourceFilter") freeing = true;
      if (op === "closeSocket") {
        for (const k of ["group", "source", "sources", "mode"]) if (e[k] !== undefined) bad(`${p}.${k}`, "not used by closeSocket");
        timeline.push({ atMs, hosts: targets, op: withSocket({ op }), path: p });
        return;
      }
      if (op === "crash") {
        for (const k of ["group", "source", "sources", "mode", "socket"]) if (e[k] !== undefined) bad(`${p}.${k}`, "not used by crash");
        timeline.push({ atMs, hosts: targets, op: { op }, path: p });
        return;
      }
      const group = ip(`${p}.group`, e.group, "multicast") ?? "224.0.0.0";
      if (op === "join" || op === "leave") {
        for (const k of ["source", "sources", "mode"]) if (e[k] !== undefined) bad(`${p}.${k}`, `not used by ${op}`);
        timeline.push({ atMs, hosts: targets, op: withSocket({ op, group }), path: p });
      } else if (op === "setSourceFilter") {
        if (e.mode !== "include" && e.mode !== "exclude") bad(`${p}.mode`, `must be "include" or "exclude", got ${shown(e.mode)}`);
        const sources: string[] = [];
        if (!Array.isArray(e.sources)) bad(`${p}.sources`, "must be a list of source addresses");
        else e.sources.forEach((s, k) => {
          const a = ip(`${p}.sources[${k}]`, s, "unicast");
          if (a !== undefined) sources.push(a);
        });
        timeline.push({ atMs, hosts: targets, op: withSocket({ op, group, mode: e.mode === "exclude" ? "exclude" : "include", sources }), path: p });
      } else {
        if (e.sources !== undefined || e.mode !== undefined) bad(p, `${op} takes one "source"`);
        const source = ip(`${p}.source`, e.source, "unicast") ?? "0.0.0.0";
        timeline.push({ atMs, hosts: targets, op: withSocket({ op, group, source }), path: p });
      }
    });
  }
  // Joins that are never undone are memberships held at the end: refuse now what the emulator cannot hold
  if (joinOps > MAX_MEMBERSHIPS && !freeing) {
    bad("$.timeline", `${joinOps} joins and no leave: more than ${MAX_MEMBERSHIPS} memberships (the emulator's limit, about ${MEMBERSHIP_BYTES} bytes of memory each)`);
  }
  if (errs.length > 0) {
    if (problems > errs.length) errs.push(`... ${problems - errs.length} more problems`);
    const head = problems === 1 ? errs[0]! : `${problems} problems, first: ${errs[0]}`;
    throw new HostError(HostErrorCode.badScenario, `invalid scenario: ${head}`, undefined, errs);
  }
  timeline.sort((a, b) => a.atMs - b.atMs);
  return { seed, emulator: opts, timeline };
}

/**
 * Parse scenario text (JSON); syntax errors are bad-scenario errors too. `overrides` replace top-level keys
 * before the one validation (the CLI's --profile and --pps beside --scenario).
 */
export function parseScenarioText(text: string, overrides: { profile?: string; ppsLimit?: number } = {}): Scenario {
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const m = e instanceof Error ? e.message : String(e);
    throw new HostError(HostErrorCode.badScenario, `scenario is not valid JSON: ${m}`, undefined, [`$: ${m}`]);
  }
  return parseScenario(isObj(json) ? { ...json, ...overrides } : json);
}
