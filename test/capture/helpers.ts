/** Helpers for the live-capture tests: the built CLI as a process inside a lab namespace, and oracles. */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCaptureFile } from "../../src/capture/file";
import type { Frame } from "../../src/pcap/frame";
import { LabError, waitFor, type Lab, type LabProcess, type Netns } from "../lab";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "igmpkit.js");

/**
 * Build the CLI unless the built one already knows `command` (default `capture`) and, when given, shows
 * `option` in its help (npm test builds first).
 */
export function ensureBuilt(command = "capture", option?: string): void {
  const probe = spawnSync(process.execPath, [BIN, command, "--help"], { encoding: "utf8" });
  if (probe.status === 0 && (option === undefined || probe.stdout.includes(option)) && existsSync(join(ROOT, "dist", "cli.js"))) return;
  execFileSync("npx", ["tsup"], { cwd: ROOT, stdio: "ignore", timeout: 120_000 });
}

/** `igmpkit capture ARGS` inside `ns`; resolves once it prints "listening on". */
export async function startCapture(lab: Lab, ns: Netns, args: string[]): Promise<LabProcess> {
  const proc = lab.spawn(ns, process.execPath, [BIN, "capture", ...args]);
  await waitFor(
    "igmpkit capture to listen",
    () => {
      if (/listening on|"listening"/.test(proc.stderr)) return true;
      if (!proc.running) throw new LabError(`igmpkit capture exited: ${proc.stderr}`);
      return false;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return proc;
}

/** Run a command to its end inside `ns` (any exit status); returns status and output. */
export async function runIn(lab: Lab, ns: Netns, cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = lab.spawn(ns, cmd, args);
  await proc.exited;
  return { code: proc.exitCode, stdout: proc.stdout, stderr: proc.stderr };
}

/** Every frame of a capture file (throws on any file error). */
export async function readFrames(path: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of readCaptureFile(path)) out.push({ ...f, data: f.data.slice() });
  return out;
}

/** Hex dump lines of every frame as tcpdump prints them (`-xx`), without timestamps. */
export function tcpdumpHex(path: string): { frames: number; hex: string[] } {
  const text = execFileSync("tcpdump", ["-nn", "-xx", "-r", path], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const lines = text.split("\n");
  return {
    frames: lines.filter((l) => /^\d\d:\d\d:\d\d\.\d+ /.test(l)).length,
    hex: lines.filter((l) => /^\s+0x[0-9a-f]{4}:/.test(l)).map((l) => l.trim()),
  };
}

/** Frame count and hex dump lines as tshark prints them (`-x`). */
export function tsharkHex(path: string): { frames: number; hex: string[] } {
  const count = execFileSync("tshark", ["-r", path, "-T", "fields", "-e", "frame.number"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    .split("\n")
    .filter(Boolean).length;
  const hex = execFileSync("tshark", ["-r", path, "-x"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
    .split("\n")
    .filter((l) => /^[0-9a-f]{4}  [0-9a-f]{2} /.test(l))
    .map((l) => l.slice(0, 54).trimEnd());
  return { frames: count, hex };
}

/** JSON Lines from a process's stdout. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Count of frames in a pcap/pcapng file now (0 while it has no whole record yet); never throws. */
export async function countFrames(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  try {
    let n = 0;
    for await (const _ of readCaptureFile(path, { fatal: "keep" })) n++;
    return n;
  } catch {
    return 0;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
