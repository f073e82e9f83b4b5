/**
 * Every subcommand, one file each. A command file exports `register(program, io, setExit)`: it adds its
 * commander command whose action calls a plain `run…(options, io)` returning an exit code.
 */
import type { Command } from "commander";
import type { CliIo } from "./io.js";
import { register as registerDecode } from "./decode.js";

export type RegisterCommand = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

export const COMMANDS: RegisterCommand[] = [registerDecode];
