/**
 * Every subcommand, one file each. A command file exports `register(program, io, setExit)`: it adds its
 * commander command whose action calls a plain `run…(options, io)` returning an exit code.
 */
import type { RegisterCommand } from "./io.js";
import { register as registerCapture } from "./capture.js";
import { register as registerConform } from "./conform.js";
import { register as registerCompletion } from "./completion.js";
import { register as registerDecode } from "./decode.js";
import { register as registerHost } from "./host.js";
import { register as registerInterfaces } from "./interfaces.js";
import { register as registerKernel } from "./kernel.js";
import { register as registerLint } from "./lint.js";
import { register as registerMonitor } from "./monitor.js";
import { register as registerQuerier } from "./querier.js";
import { register as registerReport } from "./report.js";
import { register as registerStats } from "./stats.js";

// the type lives in io.ts so that command files need not import this file (which imports them)
export type { RegisterCommand } from "./io.js";

/** In the order `igmpkit --help` lists them. */
export const COMMANDS: RegisterCommand[] = [
  registerDecode,
  registerCapture,
  registerInterfaces,
  registerMonitor,
  registerLint,
  registerStats,
  registerReport,
  registerHost,
  registerKernel,
  registerConform,
  registerQuerier,
  registerCompletion,
];
