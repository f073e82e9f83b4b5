/**
 * Gate for live tests: a live test needs root and some commands. Where they are missing it is skipped
 * with the reason in its title (and a console warning); with IGMPKIT_REQUIRE_LIVE=1 (CI) it fails instead.
 */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import { describe, it } from "vitest";

/** Commands every lab needs, on top of what a test names. */
export const BASE_NEEDS = ["ip"] as const;

/** Result of checking what a live test needs. */
export interface LiveGate {
  readonly ok: boolean;
  /** Why the test cannot run; empty when `ok`. */
  readonly reason: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `cmd` (a bare name looked up on PATH, or an absolute path) can be run. */
export function hasCommand(cmd: string): boolean {
  if (cmd.includes("/")) return isExecutable(cmd);
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const extra of ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]) if (!dirs.includes(extra)) dirs.push(extra);
  return dirs.some((d) => isExecutable(join(d, cmd)));
}

/**
 * The need that names libpcap's binding (the optional npm package `cap`, built by `npm ci` where libpcap's
 * headers are installed) rather than a command: what live capture and injection run on.
 */
export const CAP = "cap";

let capLoads: boolean | undefined;

/** Whether the optional package `cap` loads here (its native part built against libpcap). */
export function hasCap(): boolean {
  if (capLoads === undefined) {
    try {
      createRequire(import.meta.url)("cap");
      capLoads = true;
    } catch {
      capLoads = false;
    }
  }
  return capLoads;
}

/** True when live tests must run (CI): then a missing need is a failure, not a skip. */
export function liveRequired(): boolean {
  return process.env.IGMPKIT_REQUIRE_LIVE === "1";
}

/** Check root and the given commands (plus {@link BASE_NEEDS}); {@link CAP} among them is the libpcap binding. */
export function liveGate(needs: readonly string[] = []): LiveGate {
  const missing: string[] = [];
  if (process.platform !== "linux") missing.push(`linux (this is ${process.platform})`);
  if (typeof process.getuid !== "function" || process.getuid() !== 0) missing.push("root");
  for (const cmd of [...BASE_NEEDS, ...needs]) {
    if (cmd === CAP) {
      if (!hasCap()) missing.push("cap (libpcap's binding: apt-get install libpcap-dev, then npm ci)");
    } else if (!hasCommand(cmd)) missing.push(cmd);
  }
  return missing.length === 0 ? { ok: true, reason: "" } : { ok: false, reason: `needs ${missing.join(", ")}` };
}

/**
 * `describe` for a live test. Runs `fn` when the gate passes; otherwise skips visibly
 * (`describe.skip("name [skipped: needs root, tshark]")` and a console warning), or, when
 * IGMPKIT_REQUIRE_LIVE=1, registers a failing test carrying the reason.
 */
export function describeLive(name: string, needs: readonly string[], fn: () => void): void {
  const gate = liveGate(needs);
  if (gate.ok) {
    describe(name, fn);
    return;
  }
  if (liveRequired()) {
    describe(name, () => {
      it(`live test cannot run: ${gate.reason}`, () => {
        throw new Error(`${name}: IGMPKIT_REQUIRE_LIVE=1 but the live test cannot run: ${gate.reason}`);
      });
    });
    return;
  }
  console.warn(`[igmpkit live] skipping "${name}": ${gate.reason} (set IGMPKIT_REQUIRE_LIVE=1 to fail instead)`);
  describe.skip(`${name} [skipped: ${gate.reason}]`, fn);
}
