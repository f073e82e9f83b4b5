import { fstatSync } from "node:fs";
import type { Command } from "commander";

/** What a command may touch of the process: streams, terminal facts and the environment. Tests pass fakes. */
export interface CliIo {
  stdout: { write(s: string | Uint8Array): unknown };
  stderr: { write(s: string): unknown };
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Both streams are the same terminal (false: two different ones; unknown: taken as the same). */
  sameTerminal?: boolean;
  env: NodeJS.ProcessEnv;
}

/** Exit statuses, the same for every command (documented in `igmpkit --help`). */
export const ExitCode = {
  /** Done: every input was read to its end. */
  ok: 0,
  /** An input could not be read to its end, a capture failed, or (with --strict / --fail-on) findings. */
  failure: 1,
  /** Wrong arguments or options. */
  usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit status:
  0  done (every input read to its end)
  1  an input could not be read to its end, a capture or emulation failed, or findings/strict errors
  2  usage error (bad arguments or options)`;

export function processIo(): CliIo {
  const stdoutIsTTY = process.stdout.isTTY === true;
  const stderrIsTTY = process.stderr.isTTY === true;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdoutIsTTY,
    stderrIsTTY,
    ...(stdoutIsTTY && stderrIsTTY ? { sameTerminal: sameDevice(1, 2) } : {}),
    env: process.env,
  };
}

/** Whether two file descriptors are the same device (a terminal's rdev), or undefined when unknown. */
function sameDevice(a: number, b: number): boolean | undefined {
  try {
    const sa = fstatSync(a);
    const sb = fstatSync(b);
    return sa.rdev === sb.rdev && sa.dev === sb.dev;
  } catch {
    return undefined;
  }
}

/** A usage error found by a command's own checks (exit status 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The signals that stop a command cleanly (SIGHUP as SIGTERM: the terminal went away). */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

let signalled: string | undefined;
/** The stop signal a command was given, if any (the launcher then exits once output is flushed). */
export function stoppedBySignal(): string | undefined {
  return signalled;
}

/**
 * An offline loop's pace: `turn()` gives the event loop a turn every 50 ms of work, so that a stop signal
 * is heard within a second; `stopped()` says whether one came, `stoppedBy` its reason.
 */
export class OfflinePace {
  stoppedBy: string | undefined;
  private lastTurn = performance.now();
  constructor(private readonly signal: AbortSignal | undefined) {}

  async turn(): Promise<void> {
    if (performance.now() - this.lastTurn < 50) return;
    await new Promise((r) => setImmediate(r));
    this.lastTurn = performance.now();
  }

  stopped(): boolean {
    if (this.signal?.aborted === true) this.stoppedBy ??= String(this.signal.reason ?? "abort");
    return this.stoppedBy !== undefined;
  }
}

/**
 * Run a command (capture, monitor, lint, host, decode) with an AbortSignal that SIGINT, SIGTERM and SIGHUP fire,
 * its `reason` the signal's name: the command stops cleanly (flushes, leaves groups, prints its summary,
 * marked partial when input was left unread) and returns its status.
 */
export async function untilSignal(run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    signalled ??= sig;
    ac.abort(sig);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  try {
    return await run(ac.signal);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  }
}

/**
 * After a command stopped by a signal has printed what it has: end the process even when a read is still
 * blocked (opening a FIFO that has no writer keeps Node's event loop alive). Does nothing otherwise.
 */
export function exitSoonIfStopped(signal: AbortSignal, code: number): void {
  if (signal.aborted) setTimeout(() => process.exit(code), 200).unref();
}

/** What every command file exports: add its commander command to `program`; its action reports the exit status through `setExit`. */
export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: number) => void) => void;
