/**
 * A lab of real IGMP peers in Linux network namespaces, for live tests.
 *
 * Everything a {@link Lab} makes (namespaces, links, bridges, daemons, captures, temp dirs) carries the
 * lab's unique id and is removed by {@link Lab.destroy}, which also runs on process exit, SIGINT and
 * SIGTERM. Addresses must be in 198.18.0.0/15 and groups in 239.0.0.0/8 or 232.0.0.0/8: the lab refuses
 * anything else so that no test can send outside its namespaces.
 */
import { spawn as spawnChild, execFile, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** The stdin-driven kernel IGMP host helper (see igmp-host.py). */
export const IGMP_HOST_PY = join(HERE, "..", "..", "scripts", "igmp-host.py");
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const FRR_DIR = "/usr/lib/frr";
const FRR_RUN = "/var/run/frr";

// ---------------------------------------------------------------------------------------------------
// Address rules

function ipv4ToInt(addr: string): number {
  const parts = addr.split(".");
  if (parts.length !== 4) throw new LabError(`not an IPv4 address: ${addr}`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new LabError(`not an IPv4 address: ${addr}`);
    n = n * 256 + Number(p);
  }
  return n;
}

/** Throws unless `addr` (optionally with /len) is a lab host address in 198.18.0.0/15. */
export function assertLabAddress(addr: string): void {
  const ip = addr.split("/")[0] ?? "";
  const n = ipv4ToInt(ip);
  if (n >>> 17 !== ipv4ToInt("198.18.0.0") >>> 17) {
    throw new LabError(`lab host addresses must be in 198.18.0.0/15, got ${addr}`);
  }
}

/** Throws unless `group` is in 239.0.0.0/8 or 232.0.0.0/8. */
export function assertLabGroup(group: string): void {
  const first = ipv4ToInt(group) >>> 24;
  if (first !== 239 && first !== 232) throw new LabError(`lab groups must be in 239/8 or 232/8, got ${group}`);
}

// ---------------------------------------------------------------------------------------------------
// Errors and process helpers

/** Any failure of the lab itself (not of the code under test). */
export class LabError extends Error {
  override readonly name = "LabError";
}

/** A command run by the lab exited non-zero; carries its output. */
export class LabExecError extends LabError {
  constructor(
    readonly command: readonly string[],
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`command failed (exit ${exitCode}): ${command.join(" ")}\n${stderr.trim() || stdout.trim()}`);
  }
}

/** Output of a finished command. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command in the root namespace (only lab plumbing: `ip netns add`, `ip link add ... netns`). */
function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof err.code === "number" ? err.code : null;
        reject(new LabExecError([cmd, ...args], code, String(stdout), String(stderr) || err.message));
      } else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function runSync(cmd: string, args: readonly string[]): void {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 10_000 });
  } catch {
    // best effort during emergency teardown
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function killPid(pid: number, graceMs = 2000): Promise<void> {
  if (!pidAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const until = performance.now() + graceMs;
  while (performance.now() < until) {
    if (!pidAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Poll `fn` until it returns a value other than undefined/false, or throw after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const until = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > until) {
      throw new LabError(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------------
// Handles

/** A network namespace made by a lab. */
export interface Netns {
  readonly name: string;
}
type NsRef = Netns | string;
const nsName = (ns: NsRef) => (typeof ns === "string" ? ns : ns.name);

/** A long-running child inside a namespace; killed at teardown if still running. */
export class LabProcess {
  stdout = "";
  stderr = "";
  exitCode: number | null = null;
  signal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    readonly command: readonly string[],
  ) {
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (d: string) => (this.stdout += d));
    child.stderr?.on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      child.once("error", (e) => {
        this.stderr += String(e);
        resolve();
      });
      child.once("close", (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === null && this.signal === null && this.child.pid !== undefined && pidAlive(this.child.pid);
  }

  /** Send `signal`, wait for exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 3000): Promise<void> {
    if (this.running) {
      this.child.kill(signal);
      const timer = sleep(graceMs).then(() => "timeout" as const);
      if ((await Promise.race([this.exited.then(() => "exited" as const), timer])) === "timeout") {
        this.child.kill("SIGKILL");
        await this.exited;
      }
    }
  }
}

/** Options of {@link Lab.veth}. */
export interface VethOptions {
  /** Address with prefix length for the end in nsA, e.g. "198.18.0.1/24". */
  addrA?: string;
  addrB?: string;
  /** Interface names inside the namespaces (max 15 chars); default `v<N>a` / `v<N>b`. */
  nameA?: string;
  nameB?: string;
}

/** A veth pair between two namespaces. */
export interface Veth {
  readonly nsA: string;
  readonly nsB: string;
  readonly a: string;
  readonly b: string;
}

/** Options of {@link Lab.bridge}. Times are in milliseconds (the kernel takes centiseconds). */
export interface BridgeOptions {
  name?: string;
  snooping?: boolean;
  querier?: boolean;
  igmpVersion?: 2 | 3;
  queryIntervalMs?: number;
  queryResponseIntervalMs?: number;
  startupQueryIntervalMs?: number;
  startupQueryCount?: number;
  lastMemberIntervalMs?: number;
  lastMemberCount?: number;
  membershipIntervalMs?: number;
  hashMax?: number;
  /** Address for the bridge itself (queries come from 0.0.0.0 without one). */
  address?: string;
}

/** One row of `bridge -j -d mdb show`. */
export interface MdbEntry {
  index?: number;
  dev: string;
  port: string;
  grp: string;
  state?: string;
  filter_mode?: string;
  protocol?: string;
  source_list?: { address: string; timer?: string }[];
  src?: string;
  flags?: string[];
  timer?: string;
  [key: string]: unknown;
}

/** A Linux bridge in a namespace. */
export class Bridge {
  constructor(
    private readonly lab: Lab,
    readonly ns: string,
    readonly name: string,
  ) {}

  /** Enslave `ifname` (already in this namespace) and bring it up. */
  async addPort(ifname: string): Promise<void> {
    await this.lab.exec(this.ns, "ip", ["link", "set", ifname, "master", this.name]);
    await this.lab.exec(this.ns, "ip", ["link", "set", ifname, "up"]);
  }

  /** The bridge's multicast database (`bridge -j -d mdb show dev BR`). */
  async mdb(): Promise<MdbEntry[]> {
    const { stdout } = await this.lab.exec(this.ns, "bridge", ["-j", "-d", "mdb", "show", "dev", this.name]);
    const parsed = JSON.parse(stdout || "[]") as { mdb?: MdbEntry[] }[];
    return parsed.flatMap((x) => x.mdb ?? []);
  }
}

/** What /proc/net/igmp and /proc/net/mcfilter say inside a namespace. */
export interface ProcIgmp {
  /** /proc/net/igmp: one row per (interface, group). */
  groups: { index: number; device: string; querier: string; group: string; users: number; reporter: boolean }[];
  /** /proc/net/mcfilter: one row per (interface, group, source). */
  filters: { index: number; device: string; group: string; source: string; include: number; exclude: number }[];
}

function hexLeToIp(hex: string): string {
  // /proc/net/igmp prints the network-order word as a host-order (little-endian) %08X.
  const b = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return [b[3], b[2], b[1], b[0]].join(".");
}
function hexBeToIp(hex: string): string {
  const n = parseInt(hex.replace(/^0x/i, ""), 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Parse /proc/net/igmp and /proc/net/mcfilter text. */
export function parseProcIgmp(igmp: string, mcfilter: string): ProcIgmp {
  const groups: ProcIgmp["groups"] = [];
  let cur: { index: number; device: string; querier: string } | undefined;
  for (const line of igmp.split("\n").slice(1)) {
    const dev = /^(\d+)\s+(\S+)\s*:\s*(\d+)\s+(\S+)/.exec(line);
    if (dev) {
      cur = { index: Number(dev[1]), device: dev[2]!, querier: dev[4]! };
      continue;
    }
    const grp = /^\s+([0-9A-Fa-f]{8})\s+(\d+)\s+\S+\s+(\d+)/.exec(line);
    if (grp && cur) groups.push({ ...cur, group: hexLeToIp(grp[1]!), users: Number(grp[2]), reporter: grp[3] === "1" });
  }
  const filters: ProcIgmp["filters"] = [];
  for (const line of mcfilter.split("\n").slice(1)) {
    const m = /^\s*(\d+)\s+(\S+)\s+(0x[0-9a-fA-F]+)\s+(0x[0-9a-fA-F]+)\s+(\d+)\s+(\d+)/.exec(line);
    if (m) {
      filters.push({
        index: Number(m[1]),
        device: m[2]!,
        group: hexBeToIp(m[3]!),
        source: hexBeToIp(m[4]!),
        include: Number(m[5]),
        exclude: Number(m[6]),
      });
    }
  }
  return { groups, filters };
}

/** Options of {@link Lab.kernelHost}. */
export interface KernelHostOptions {
  /** Forced IGMP version (net.ipv4.conf.IF.force_igmp_version); 0 = automatic (v3). */
  version: 0 | 1 | 2 | 3;
  /** Upper bound of the random delay before each repeated unsolicited report (ms); default 500. */
  unsolicitedReportIntervalMs?: number;
  /** Robustness (net.ipv4.igmp_qrv, per namespace): how many unsolicited reports; default kernel's 2. */
  robustness?: number;
}

/** The Linux kernel as an IGMP host on one interface, driven by igmp-host.py. */
export class KernelHost {
  private pending: { resolve: () => void; reject: (e: Error) => void; cmd: string }[] = [];
  private buf = "";

  constructor(
    readonly ns: string,
    readonly ifname: string,
    readonly localAddress: string,
    private readonly proc: LabProcess,
  ) {
    proc.child.stdout?.on("data", (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const p = this.pending.shift();
        if (!p) continue;
        if (line === "ok") p.resolve();
        else p.reject(new LabError(`kernel host ${ns}/${ifname}: ${p.cmd}: ${line.replace(/^err /, "")}`));
      }
    });
    void proc.exited.then(() => {
      for (const p of this.pending.splice(0)) p.reject(new LabError(`kernel host exited: ${proc.stderr}`));
    });
  }

  /** Send one command line to the helper and wait for its answer. */
  command(line: string): Promise<void> {
    if (!this.proc.running) return Promise.reject(new LabError(`kernel host not running: ${this.proc.stderr}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject, cmd: line });
      this.proc.child.stdin?.write(line + "\n");
    });
  }

  /** Any-source join (IP_ADD_MEMBERSHIP). */
  async join(group: string): Promise<void> {
    assertLabGroup(group);
    return this.command(`join ${group}`);
  }
  /** Drop the any-source join (IP_DROP_MEMBERSHIP). */
  async leave(group: string): Promise<void> {
    assertLabGroup(group);
    return this.command(`leave ${group}`);
  }
  /** Source-specific INCLUDE join (IP_ADD_SOURCE_MEMBERSHIP). */
  async joinSource(group: string, source: string): Promise<void> {
    assertLabGroup(group);
    assertLabAddress(source);
    return this.command(`joinsrc ${group} ${source}`);
  }
  /** Drop one source of a source-specific join (IP_DROP_SOURCE_MEMBERSHIP). */
  async leaveSource(group: string, source: string): Promise<void> {
    assertLabGroup(group);
    assertLabAddress(source);
    return this.command(`leavesrc ${group} ${source}`);
  }
  /** Block a source of an any-source join: EXCLUDE {source} (IP_BLOCK_SOURCE). */
  async block(group: string, source: string): Promise<void> {
    assertLabGroup(group);
    assertLabAddress(source);
    return this.command(`block ${group} ${source}`);
  }
  /** Undo {@link block} (IP_UNBLOCK_SOURCE). */
  async unblock(group: string, source: string): Promise<void> {
    assertLabGroup(group);
    assertLabAddress(source);
    return this.command(`unblock ${group} ${source}`);
  }
  /** Close every socket (the kernel leaves all groups) and stop the helper. */
  async close(): Promise<void> {
    if (this.proc.running) {
      await this.command("quit").catch(() => undefined);
      this.proc.child.stdin?.end();
    }
    await this.proc.stop();
  }
}

/** One interface of an FRR pimd instance. */
export interface FrrInterface {
  name: string;
  /** Address set by zebra, e.g. "198.18.1.1/24" (omit when the interface already has one). */
  address?: string;
  igmpVersion?: 2 | 3;
  /** `ip igmp query-interval`, seconds. */
  queryIntervalSec?: number;
  /** `ip igmp query-max-response-time`, deciseconds. */
  queryMaxResponseTimeDs?: number;
  /** `ip igmp last-member-query-interval`, deciseconds. */
  lastMemberQueryIntervalDs?: number;
  /** `ip igmp last-member-query-count`. */
  lastMemberQueryCount?: number;
  /** Also `ip pim` on the interface (default true; pimd 8.x wants it for IGMP to be useful). */
  pim?: boolean;
}

/** Options of {@link Lab.frr}. */
export interface FrrOptions {
  interfaces: FrrInterface[];
  /** Extra config lines appended verbatim. */
  extraConfig?: string;
}

/** The first object in `x` (searched depth first) that has the key `key`. */
function findWith(x: unknown, key: string): Record<string, unknown> | undefined {
  if (x === null || typeof x !== "object") return undefined;
  if (key in x) return x as Record<string, unknown>;
  for (const v of Object.values(x)) {
    const found = findWith(v, key);
    if (found) return found;
  }
  return undefined;
}

/** Render the frr.conf used by {@link Lab.frr}. */
export function frrConfig(opts: FrrOptions): string {
  const lines: string[] = ["frr defaults traditional", "log stdout", "!"];
  for (const i of opts.interfaces) {
    lines.push(`interface ${i.name}`);
    if (i.address) lines.push(` ip address ${i.address}`);
    if (i.pim !== false) lines.push(" ip pim");
    lines.push(" ip igmp");
    if (i.igmpVersion) lines.push(` ip igmp version ${i.igmpVersion}`);
    // The response time first: pimd refuses a query interval not above the current one (10 s by default),
    // so `query-interval 2` before `query-max-response-time 10` was dropped and pimd queried every 125 s.
    if (i.queryMaxResponseTimeDs !== undefined) lines.push(` ip igmp query-max-response-time ${i.queryMaxResponseTimeDs}`);
    if (i.queryIntervalSec !== undefined) lines.push(` ip igmp query-interval ${i.queryIntervalSec}`);
    if (i.lastMemberQueryIntervalDs !== undefined) {
      lines.push(` ip igmp last-member-query-interval ${i.lastMemberQueryIntervalDs}`);
    }
    if (i.lastMemberQueryCount !== undefined) lines.push(` ip igmp last-member-query-count ${i.lastMemberQueryCount}`);
    lines.push("!");
  }
  if (opts.extraConfig) lines.push(opts.extraConfig);
  return lines.join("\n") + "\n";
}

/** zebra + pimd in one namespace, with their own path space, pid files and vty sockets. */
export class Frr {
  constructor(
    private readonly lab: Lab,
    readonly ns: string,
    /** The `-N` path space. */
    readonly pathspace: string,
    /** Temp dir (owned by frr) with frr.conf, pid files and vty sockets. */
    readonly dir: string,
  ) {}

  private stopped = false;

  /** Run a vtysh command; returns its text output. */
  async vtyshText(cmd: string): Promise<string> {
    const { stdout } = await this.lab.exec(this.ns, "vtysh", ["--vty_socket", this.dir, "-c", cmd]);
    return stdout;
  }

  /** Run a vtysh command ending in `json` and parse the answer. */
  async vtysh<T = unknown>(cmd: string): Promise<T> {
    const text = await this.vtyshText(cmd);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new LabError(`vtysh "${cmd}" did not answer JSON: ${text.slice(0, 400)}`);
    }
  }

  pids(): number[] {
    const out: number[] = [];
    for (const d of ["pimd", "zebra"]) {
      const f = join(this.dir, `${d}.pid`);
      if (existsSync(f)) {
        const pid = Number(readFileSync(f, "utf8").trim());
        if (pid > 0) out.push(pid);
      }
    }
    return out;
  }

  /** Stop pimd then zebra (by the pids in their pid files) and remove the path space dir. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const pid of this.pids()) await killPid(pid, 3000);
    rmSync(join(FRR_RUN, this.pathspace), { recursive: true, force: true });
  }

  stopSync(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const pid of this.pids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(join(FRR_RUN, this.pathspace), { recursive: true, force: true });
  }
}

/** Options of {@link Lab.tcpdump}. */
export interface CaptureOptions {
  /** Output file; default a file in the lab's temp dir. */
  file?: string;
  /** pcap filter expression. */
  filter?: string;
  /** `-y` link type, e.g. "LINUX_SLL2" (with ifname "any"). */
  linkType?: string;
  snaplen?: number;
}

/** A running capture. */
export class Capture {
  constructor(
    readonly file: string,
    readonly proc: LabProcess,
  ) {}

  /** SIGINT the capturer, wait for it to flush and exit, and return the file path. */
  async stop(): Promise<string> {
    await this.proc.stop("SIGINT", 5000);
    return this.file;
  }
}

// ---------------------------------------------------------------------------------------------------
// The lab

const liveLabs = new Set<Lab>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", () => {
    for (const lab of liveLabs) lab.destroySync();
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      for (const lab of liveLabs) lab.destroySync();
      process.kill(process.pid, sig);
    });
  }
}

/** Options of {@link Lab.create}. */
export interface LabOptions {
  /** Prefix of every name (default "ik"); keep it short, interface names are max 15 chars. */
  prefix?: string;
}

/** A set of namespaces, links and peers torn down together. See the module doc. */
export class Lab {
  /** Unique id, prefix of every name this lab makes (e.g. "ik3f9a2"). */
  readonly id: string;
  /** Temp dir for captures, configs and helper state. */
  readonly dir: string;
  private readonly nsNames: string[] = [];
  private readonly procs: LabProcess[] = [];
  private readonly frrs: Frr[] = [];
  private readonly extraDirs: string[] = [];
  private counter = 0;
  private destroying: Promise<void> | undefined;
  private destroyed = false;

  private constructor(prefix: string) {
    this.id = `${prefix}${randomBytes(3).toString("hex")}`.slice(0, 9);
    this.dir = mkdtempSync(join(tmpdir(), `${this.id}-`));
  }

  /** Make a lab; nothing is created in the kernel until you ask. */
  static async create(opts: LabOptions = {}): Promise<Lab> {
    installExitHandlers();
    const lab = new Lab(opts.prefix ?? "ik");
    liveLabs.add(lab);
    return lab;
  }

  /** Run `fn` with a fresh lab and always destroy it afterwards, even when `fn` throws. */
  static async with<T>(fn: (lab: Lab) => Promise<T>, opts: LabOptions = {}): Promise<T> {
    const lab = await Lab.create(opts);
    try {
      return await fn(lab);
    } finally {
      await lab.destroy();
    }
  }

  /** Names of the namespaces made so far. */
  get namespaces(): readonly string[] {
    return [...this.nsNames];
  }

  private next(): number {
    return ++this.counter;
  }

  private checkAlive(): void {
    if (this.destroyed || this.destroying) throw new LabError(`lab ${this.id} is destroyed`);
  }

  /** A new namespace `<id>-<name>` with lo up. */
  async netns(name?: string): Promise<Netns> {
    this.checkAlive();
    const full = `${this.id}-${name ?? `n${this.next()}`}`;
    await run("ip", ["netns", "add", full]);
    this.nsNames.push(full);
    await this.exec(full, "ip", ["link", "set", "lo", "up"]);
    return { name: full };
  }

  /** Run a command inside `ns`; rejects with {@link LabExecError} (carrying stderr) on failure. */
  exec(ns: NsRef, cmd: string, args: readonly string[] = [], timeoutMs = 30_000): Promise<ExecResult> {
    return run("ip", ["netns", "exec", nsName(ns), cmd, ...args], timeoutMs);
  }

  /** Start a long-running child inside `ns`; stopped at teardown. */
  spawn(ns: NsRef, cmd: string, args: readonly string[] = []): LabProcess {
    this.checkAlive();
    const argv = ["netns", "exec", nsName(ns), cmd, ...args];
    const child = spawnChild("ip", argv, { stdio: ["pipe", "pipe", "pipe"] });
    const proc = new LabProcess(child, ["ip", ...argv]);
    this.procs.push(proc);
    return proc;
  }

  /** A veth pair created directly inside the two namespaces (never visible in the root namespace). */
  async veth(nsA: NsRef, nsB: NsRef, opts: VethOptions = {}): Promise<Veth> {
    this.checkAlive();
    const n = this.next();
    const a = opts.nameA ?? `v${n}a`;
    const b = opts.nameB ?? `v${n}b`;
    for (const x of [a, b]) if (x.length > 15) throw new LabError(`interface name too long: ${x}`);
    if (opts.addrA) assertLabAddress(opts.addrA);
    if (opts.addrB) assertLabAddress(opts.addrB);
    const A = nsName(nsA);
    const B = nsName(nsB);
    await run("ip", ["link", "add", a, "netns", A, "type", "veth", "peer", "name", b, "netns", B]);
    if (opts.addrA) await this.exec(A, "ip", ["addr", "add", opts.addrA, "dev", a]);
    if (opts.addrB) await this.exec(B, "ip", ["addr", "add", opts.addrB, "dev", b]);
    await this.exec(A, "ip", ["link", "set", a, "up"]);
    await this.exec(B, "ip", ["link", "set", b, "up"]);
    return { nsA: A, nsB: B, a, b };
  }

  /** A Linux bridge in `ns`, up, with the given multicast settings. Add ports with `addPort`. */
  async bridge(ns: NsRef, opts: BridgeOptions = {}): Promise<Bridge> {
    this.checkAlive();
    const name = opts.name ?? `br${this.next()}`;
    const cs = (ms: number) => String(Math.round(ms / 10));
    const args = ["link", "add", name, "type", "bridge"];
    args.push("mcast_snooping", opts.snooping === false ? "0" : "1");
    args.push("mcast_querier", opts.querier ? "1" : "0");
    if (opts.igmpVersion) args.push("mcast_igmp_version", String(opts.igmpVersion));
    if (opts.queryIntervalMs !== undefined) args.push("mcast_query_interval", cs(opts.queryIntervalMs));
    if (opts.queryResponseIntervalMs !== undefined) {
      args.push("mcast_query_response_interval", cs(opts.queryResponseIntervalMs));
    }
    if (opts.startupQueryIntervalMs !== undefined) {
      args.push("mcast_startup_query_interval", cs(opts.startupQueryIntervalMs));
    }
    if (opts.startupQueryCount !== undefined) args.push("mcast_startup_query_count", String(opts.startupQueryCount));
    if (opts.lastMemberIntervalMs !== undefined) args.push("mcast_last_member_interval", cs(opts.lastMemberIntervalMs));
    if (opts.lastMemberCount !== undefined) args.push("mcast_last_member_count", String(opts.lastMemberCount));
    if (opts.membershipIntervalMs !== undefined) {
      args.push("mcast_membership_interval", cs(opts.membershipIntervalMs));
    }
    if (opts.hashMax !== undefined) args.push("mcast_hash_max", String(opts.hashMax));
    await this.exec(ns, "ip", args);
    if (opts.address) {
      assertLabAddress(opts.address);
      await this.exec(ns, "ip", ["addr", "add", opts.address, "dev", name]);
    }
    await this.exec(ns, "ip", ["link", "set", name, "up"]);
    return new Bridge(this, nsName(ns), name);
  }

  /** Set a sysctl inside `ns`. */
  async sysctl(ns: NsRef, key: string, value: string | number): Promise<void> {
    await this.exec(ns, "sysctl", ["-q", "-w", `${key}=${value}`]);
  }

  /** The IPv4 address of `ifname` in `ns` (first one). */
  async addressOf(ns: NsRef, ifname: string): Promise<string> {
    const { stdout } = await this.exec(ns, "ip", ["-j", "-4", "addr", "show", "dev", ifname]);
    const info = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
    const local = info[0]?.addr_info?.[0]?.local;
    if (!local) throw new LabError(`${nsName(ns)}/${ifname} has no IPv4 address`);
    return local;
  }

  /**
   * The kernel as an IGMP host on `ifname` (which must have an address): forces the IGMP version and
   * shortens the unsolicited report interval, then starts igmp-host.py in the namespace.
   */
  async kernelHost(ns: NsRef, ifname: string, opts: KernelHostOptions): Promise<KernelHost> {
    this.checkAlive();
    const ms = opts.unsolicitedReportIntervalMs ?? 500;
    await this.sysctl(ns, `net.ipv4.conf.${ifname}.force_igmp_version`, opts.version);
    await this.sysctl(ns, `net.ipv4.conf.${ifname}.igmpv2_unsolicited_report_interval`, ms);
    await this.sysctl(ns, `net.ipv4.conf.${ifname}.igmpv3_unsolicited_report_interval`, ms);
    if (opts.robustness !== undefined) await this.sysctl(ns, "net.ipv4.igmp_qrv", opts.robustness);
    const local = await this.addressOf(ns, ifname);
    const proc = this.spawn(ns, PYTHON, ["-u", IGMP_HOST_PY, local]);
    const host = new KernelHost(nsName(ns), ifname, local, proc);
    await host.command("ping");
    return host;
  }

  /** /proc/net/igmp and /proc/net/mcfilter as seen inside `ns`. */
  async readProcIgmp(ns: NsRef): Promise<ProcIgmp> {
    const igmp = await this.exec(ns, "cat", ["/proc/net/igmp"]);
    const mcf = await this.exec(ns, "cat", ["/proc/net/mcfilter"]);
    return parseProcIgmp(igmp.stdout, mcf.stdout);
  }

  /** zebra + pimd in `ns` with a unique path space; waits until pimd answers on every interface. */
  async frr(ns: NsRef, opts: FrrOptions): Promise<Frr> {
    this.checkAlive();
    for (const i of opts.interfaces) if (i.address) assertLabAddress(i.address);
    const pathspace = `${this.id}f${this.next()}`;
    const dir = mkdtempSync(join(this.dir, `frr-${pathspace}-`));
    this.extraDirs.push(join(FRR_RUN, pathspace));
    const conf = join(dir, "frr.conf");
    writeFileSync(conf, frrConfig(opts));
    chmodSync(dir, 0o750);
    chmodSync(conf, 0o640);
    // The lab dir (mkdtemp, 0700) must let frr through to its own folder.
    chmodSync(this.dir, 0o711);
    await run("chown", ["-R", "frr:frr", dir]);
    const frr = new Frr(this, nsName(ns), pathspace, dir);
    this.frrs.push(frr);
    for (const d of ["zebra", "pimd"]) {
      const pidFile = join(dir, `${d}.pid`);
      await this.exec(ns, join(FRR_DIR, d), ["-d", "-N", pathspace, "-f", conf, "-i", pidFile, "--vty_socket", dir]);
      await waitFor(`${d} pid file`, () => existsSync(pidFile) && existsSync(join(dir, `${d}.vty`)));
    }
    const names = opts.interfaces.map((i) => i.name);
    await waitFor(
      "pimd IGMP interfaces",
      async () => {
        const j = await frr.vtysh<Record<string, { state?: string }>>("show ip igmp interface json");
        return names.every((n) => j[n]?.state === "up");
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    // pimd drops a config line it refuses (with a log line nobody reads) and runs on its defaults: check that
    // it runs with the timers asked for
    for (const i of opts.interfaces) {
      const want: Record<string, number | undefined> = {
        timerQueryInterval: i.queryIntervalSec,
        timerQueryResponseIntervalMsec: i.queryMaxResponseTimeDs === undefined ? undefined : i.queryMaxResponseTimeDs * 100,
      };
      const detail = await frr.vtysh<unknown>(`show ip igmp interface ${i.name} json`);
      const timers = findWith(detail, "timerQueryInterval");
      for (const [k, v] of Object.entries(want))
        if (v !== undefined && timers?.[k] !== v) throw new LabError(`pimd on ${i.name} runs with ${k} ${String(timers?.[k])}, not the configured ${v}`);
    }
    return frr;
  }

  /** Start tcpdump in `ns` on `ifname` (may be "any"), writing pcap; resolves once it is listening. */
  async tcpdump(ns: NsRef, ifname: string, opts: CaptureOptions = {}): Promise<Capture> {
    const file = opts.file ?? join(this.dir, `cap${this.next()}-${ifname}.pcap`);
    const args = ["-i", ifname, "-w", file, "-U", "-n", "-Z", "root", "-s", String(opts.snaplen ?? 262144)];
    if (opts.linkType) args.push("-y", opts.linkType);
    if (opts.filter) args.push(opts.filter);
    const proc = this.spawn(ns, "tcpdump", args);
    await waitFor("tcpdump to listen", () => {
      if (!proc.running) throw new LabError(`tcpdump exited: ${proc.stderr}`);
      return /listening on/.test(proc.stderr);
    });
    return new Capture(file, proc);
  }

  /** Start dumpcap in `ns` on `ifname`, writing pcapng; resolves once it is capturing. */
  async dumpcap(ns: NsRef, ifname: string, opts: Omit<CaptureOptions, "linkType"> = {}): Promise<Capture> {
    const file = opts.file ?? join(this.dir, `cap${this.next()}-${ifname}.pcapng`);
    const args = ["-i", ifname, "-w", file, "-s", String(opts.snaplen ?? 262144)];
    if (opts.filter) args.push("-f", opts.filter);
    const proc = this.spawn(ns, "dumpcap", args);
    await waitFor("dumpcap to capture", () => {
      if (!proc.running) throw new LabError(`dumpcap exited: ${proc.stderr}`);
      return /Capturing on/.test(proc.stderr);
    });
    return new Capture(file, proc);
  }

  /**
   * Remove everything: children, daemons, every process left in the lab's namespaces, the namespaces
   * (and so their links), temp dirs. Idempotent; concurrent calls share one teardown.
   */
  destroy(): Promise<void> {
    this.destroying ??= this.teardown();
    return this.destroying;
  }

  private async teardown(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop("SIGTERM", 2000).catch(() => undefined)));
    for (const f of this.frrs) await f.stop().catch(() => undefined);
    for (const ns of this.nsNames) {
      const pids = await run("ip", ["netns", "pids", ns]).then((r) => r.stdout, () => "");
      for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) await killPid(pid, 1000);
      await run("ip", ["netns", "del", ns]).catch(() => undefined);
    }
    this.finish();
  }

  /** Synchronous emergency teardown for process exit and signals. */
  destroySync(): void {
    if (this.destroyed) return;
    for (const p of this.procs) if (p.running) p.child.kill("SIGKILL");
    for (const f of this.frrs) f.stopSync();
    for (const ns of this.nsNames) {
      let pids = "";
      try {
        pids = execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8", timeout: 5000 });
      } catch {
        // namespace already gone
      }
      for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      runSync("ip", ["netns", "del", ns]);
    }
    this.finish();
  }

  private finish(): void {
    for (const d of this.extraDirs) rmSync(d, { recursive: true, force: true });
    if (!process.env.IGMPKIT_KEEP_LAB_DIR) rmSync(this.dir, { recursive: true, force: true });
    this.destroyed = true;
    liveLabs.delete(this);
  }
}
