/**
 * Every subcommand, one file each. A command file exports `register(program, io, setExit)`: it adds its
 * commander command whose action calls a plain `run…(options, io)` returning an exit code.
 *
 * The files are imported when needed: `igmpkit decode f.pcap` loads decode's file and what it imports, not
 * the other eleven commands (with their monitor, host, querier and capture code), which roughly halves
 * the CLI's start-up (src/cli/main.ts).
 */
import type { RegisterCommand } from "./io.js";

// the type lives in io.ts so that command files need not import this file
export type { RegisterCommand } from "./io.js";

/** Each command's name and how to load its `register`, in the order `igmpkit --help` lists them. */
export const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<RegisterCommand>]> = [
  ["decode", async () => (await import("./decode.js")).register],
  ["capture", async () => (await import("./capture.js")).register],
  ["interfaces", async () => (await import("./interfaces.js")).register],
  ["monitor", async () => (await import("./monitor.js")).register],
  ["lint", async () => (await import("./lint.js")).register],
  ["stats", async () => (await import("./stats.js")).register],
  ["report", async () => (await import("./report.js")).register],
  ["host", async () => (await import("./host.js")).register],
  ["kernel", async () => (await import("./kernel.js")).register],
  ["conform", async () => (await import("./conform.js")).register],
  ["querier", async () => (await import("./querier.js")).register],
  ["completion", async () => (await import("./completion.js")).register],
];
