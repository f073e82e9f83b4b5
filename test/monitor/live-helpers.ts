/** Helpers for the live monitor tests: `igmpkit monitor -i` as a process in a lab namespace, and comparisons. */
import { spawnSync, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCaptureFile } from "../../src/capture/file.js";
import type { MonitorEvent, MonitorSnapshot } from "../../src/monitor/state.js";
import { decodeFrame } from "../../src/wire/index.js";
import { LabError, waitFor, type Lab, type LabProcess, type MdbEntry, type Netns } from "../lab/index.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "igmpkit.js");

/** Build the CLI unless the built one already has `monitor -i` (npm test builds first). */
export function ensureBuilt(): void {
  const probe = spawnSync(process.execPath, [BIN, "monitor", "--help"], { encoding: "utf8" });
  if (probe.status === 0 && probe.stdout.includes("--query-interval") && existsSync(join(ROOT, "dist", "cli.js"))) return;
  execFileSync("npx", ["tsup"], { cwd: ROOT, stdio: "ignore", timeout: 120_000 });
}

/** A running `igmpkit monitor -i … --json`. */
export class MonitorProcess {
  constructor(readonly proc: LabProcess) {}

  /** Every JSON line printed so far (events, and the snapshot once stopped). */
  lines(): Record<string, unknown>[] {
    return this.proc.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  events(): MonitorEvent[] {
    return this.lines().filter((l) => l.type !== "snapshot") as unknown as MonitorEvent[];
  }

  /** Wait for an event matching `pred`. */
  async waitEvent(what: string, pred: (e: MonitorEvent) => boolean, timeoutMs = 20_000): Promise<MonitorEvent> {
    return waitFor(
      `monitor event: ${what}`,
      () => {
        if (!this.proc.running) throw new LabError(`igmpkit monitor exited: ${this.proc.stderr}`);
        return this.events().find(pred);
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** SIGINT (or SIGTERM); returns the final snapshot after checking the exit status is 0. */
  async stop(signal: NodeJS.Signals = "SIGINT"): Promise<MonitorSnapshot> {
    await this.proc.stop(signal, 10_000);
    if (this.proc.exitCode !== 0) throw new LabError(`igmpkit monitor exited ${this.proc.exitCode} (${this.proc.signal}): ${this.proc.stderr}`);
    const last = this.lines().at(-1);
    if (last?.type !== "snapshot") throw new LabError(`no final snapshot from igmpkit monitor: ${this.proc.stdout.slice(-400)}`);
    return last as unknown as MonitorSnapshot;
  }
}

/** `igmpkit monitor -i IFACE --json ARGS` inside `ns`; resolves once it is listening. */
export async function startMonitor(lab: Lab, ns: Netns, iface: string, args: string[] = []): Promise<MonitorProcess> {
  const proc = lab.spawn(ns, process.execPath, [BIN, "monitor", "-i", iface, "--json", ...args]);
  await waitFor(
    "igmpkit monitor to listen",
    () => {
      if (/"listening"/.test(proc.stderr)) return true;
      if (!proc.running) throw new LabError(`igmpkit monitor exited: ${proc.stderr}`);
      return false;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return new MonitorProcess(proc);
}

/** A group as both sides can state it: filter mode and sources, each source forwarded or not. */
export interface GroupView {
  group: string;
  mode: string;
  sources: string[];
  /** Sources with a running timer (traffic forwarded); in INCLUDE mode all of them. */
  forwarding: string[];
}

const userGroup = (g: string) => g.includes(".") && !g.startsWith("224.0.0.");

/** The monitor's groups (link-local 224.0.0.x left out), sorted by group. */
export function monitorView(s: MonitorSnapshot): GroupView[] {
  return s.groups
    .filter((g) => userGroup(g.group))
    .map((g) => ({
      group: g.group,
      mode: g.filterMode,
      sources: g.sources.map((x) => x.source).sort(),
      forwarding: g.sources.filter((x) => x.forwarding).map((x) => x.source).sort(),
    }))
    .sort((a, b) => a.group.localeCompare(b.group));
}

/**
 * The bridge's (*,G) entries on `port` as the same view (IPv4, not link-local; (S,G) rows carry `src`
 * and are left out; a source with timer 0.00 in EXCLUDE mode is not forwarded).
 */
export function mdbView(mdb: MdbEntry[], port: string): GroupView[] {
  return mdb
    .filter((e) => e.port === port && e.src === undefined && userGroup(e.grp))
    .map((e) => {
      const list = e.source_list ?? [];
      const mode = e.filter_mode ?? "exclude";
      return {
        group: e.grp,
        mode,
        sources: list.map((x) => x.address).sort(),
        forwarding: list.filter((x) => mode === "include" || Number(x.timer ?? "0") > 0).map((x) => x.address).sort(),
      };
    })
    .sort((a, b) => a.group.localeCompare(b.group));
}

/**
 * How many unsolicited reports from `src` a capture file being written holds so far: v1/v2 reports, and v3
 * reports with a state-change record (0 while the file has no whole record).
 */
export async function reportsFrom(path: string, src: string): Promise<number> {
  let n = 0;
  try {
    let i = 0;
    for await (const f of readCaptureFile(path, { fatal: "keep" })) {
      const d = decodeFrame(f, ++i);
      const m = d.igmp;
      if (d.ipSrc !== src || m === null) continue;
      if (m.kind === "v1-report" || m.kind === "v2-report" || (m.kind === "v3-report" && m.records.some((r) => r.type >= 3 && r.type <= 6))) n++;
    }
  } catch {
    // a record still being written
  }
  return n;
}
