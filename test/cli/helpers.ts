import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCaptureWriter } from "../../src/capture/file.js";
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TtyOptions {
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
}

/** A CliIo that collects what is written (text or bytes) into `out`. */
export function captureIo(opts: TtyOptions = {}): { io: CliIo; out: { stdout: string; stderr: string } } {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = {
    stdout: { write: (s: string | Uint8Array) => ((out.stdout += typeof s === "string" ? s : Buffer.from(s).toString("utf8")), true) },
    stderr: { write: (s: string) => ((out.stderr += s), true) },
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: opts.stderrIsTTY ?? false,
    env: {},
  };
  return { io, out };
}

/** Run the CLI in-process with captured output. */
export async function cli(args: string[], opts: TtyOptions = {}): Promise<CliResult> {
  const { io, out } = captureIo(opts);
  const code = await runCli(args, io);
  return { code, ...out };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "igmpkit-cli-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write Ethernet frames to a pcap (1 ms apart) and return its path. */
export function writePcap(path: string, frames: Uint8Array[], linkType = 1): string {
  const w = openCaptureWriter(path, { linkType });
  frames.forEach((data, i) => w.write({ timestampNs: 1_763_700_000_000_000_000n + BigInt(i) * 1_000_000n, wireLength: data.length, data }));
  w.close();
  return path;
}
