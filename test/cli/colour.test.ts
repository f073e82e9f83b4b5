/** Colour only on a terminal, only where it helps, never with NO_COLOR or TERM=dumb. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";

const FIX = join(import.meta.dirname, "../../fixtures");

async function run(args: string[], tty: boolean, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = {
    stdout: { write: (s: string | Uint8Array) => ((out.stdout += typeof s === "string" ? s : Buffer.from(s).toString()), true) },
    stderr: { write: (s: string) => ((out.stderr += s), true) },
    stdoutIsTTY: tty,
    stderrIsTTY: tty,
    sameTerminal: false,
    env,
  };
  return { code: await runCli(args, io), ...out };
}

const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, "");

describe("colour", () => {
  it("decode on a terminal: leaves in yellow, nothing else coloured; the text is otherwise the same", async () => {
    const f = join(FIX, "kernel-igmpv2-host.pcap");
    const tty = await run(["decode", f], true);
    const piped = await run(["decode", f], false);
    expect(strip(tty.stdout)).toBe(piped.stdout);
    const lines = tty.stdout.trim().split("\n");
    for (const l of lines) {
      if (strip(l).includes(" leave ")) expect(l).toMatch(/^\x1b\[33m.*\x1b\[0m$/);
      else expect(l).not.toContain("\x1b");
    }
    expect(lines.some((l) => l.startsWith("\x1b[33m"))).toBe(true);
    expect(piped.stdout).not.toContain("\x1b");
  });

  it("lint severities and error prefixes on a terminal", async () => {
    const l = await run(["lint", join(FIX, "kernel-igmpv2-host.pcap")], true);
    expect(l.stdout).toContain("\x1b[33mwarning\x1b[0m query-destination");
    const e = await run(["decode", "/nonexistent.pcap"], true);
    expect(e.stderr).toBe("\x1b[1;31migmpkit decode:\x1b[0m /nonexistent.pcap: no such file\n");
  });

  it("off when piped, with NO_COLOR, with TERM=dumb", async () => {
    for (const [tty, env] of [[false, {}], [true, { NO_COLOR: "1" }], [true, { TERM: "dumb" }]] as const) {
      const l = await run(["lint", join(FIX, "kernel-igmpv2-host.pcap")], tty, env);
      const d = await run(["decode", join(FIX, "kernel-igmpv2-host.pcap"), "/nonexistent.pcap"], tty, env);
      expect(l.stdout + d.stdout + d.stderr, JSON.stringify(env)).not.toContain("\x1b");
    }
  });
});
