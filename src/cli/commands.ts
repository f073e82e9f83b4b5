/**
 * Every subcommand, one file each. A command file exports `register(program, io, setExit)`: it adds its
 * commander command whose action calls a plain `run…(options, io)` returning an exit code.
 */
import type { Command } from "commander";
import type { CliIo } from "./io.js";
import { register as registerDecode } from "./decode.js";

export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

export const COMMANDS: RegisterCommand[] = [registerDecode];
import { register as registerCapture } from "./capture.js"; COMMANDS.push(registerCapture);
import { register as registerInterfaces } from "./interfaces.js"; COMMANDS.push(registerInterfaces);
import { register as registerLint } from "./lint.js"; COMMANDS.push(registerLint);
import { register as registerMonitor } from "./monitor.js"; COMMANDS.push(registerMonitor);
import { register as registerHost } from "./host.js"; COMMANDS.push(registerHost);
