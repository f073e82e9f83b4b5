/** The `igmpkit` command line. */
import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands.js";
import { palette, writeError } from "./colour.js";
import { fileErrorText } from "./errors.js";
import { EXIT_CODES_HELP, ExitCode, processIo, UsageError, type CliIo } from "./io.js";
import { VERSION } from "./version.js";

export { VERSION };

/**
 * Commander's own messages ("error: unknown option '--x'") in the one error style of every command:
 * "igmpkit decode: unknown option '--x'".
 */
function errorStyle(io: CliIo, name: string, json: boolean): (str: string, write: (s: string) => void) => void {
  if (json) return (str, write) => write(usageJson(str.replace(/^error: /, "").trimEnd()));
  return (str, write) => write(str.replace(/^error: /, `${palette(io, "stderr").paint("boldRed", `${name}:`)} `));
}

/** A usage error as `--json` mode writes every error: one JSON object on standard error. */
const usageJson = (message: string): string => `${JSON.stringify({ error: message, code: "usage" })}\n`;

export { manPages } from "./man.js";
export { stoppedBySignal } from "./io.js";

/**
 * Build the program with every command, or with `only` the one named (what `igmpkit NAME ...` runs: its
 * help, options and errors are the same either way, and the other commands' code is not loaded).
 * Exported for tests and the man pages.
 */
export async function buildProgram(io: CliIo, setExit: (code: number) => void, json = false, only?: string): Promise<Command> {
  const program = new Command("igmpkit")
    .description("IGMP toolkit: decode captures, capture live, emulate hosts, monitor and lint a LAN")
    .version(VERSION)
    .addHelpText("after", `\n${EXIT_CODES_HELP}`)
    .showHelpAfterError(json ? false : "(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: errorStyle(io, "igmpkit", json) });
  const wanted = COMMANDS.filter(([name]) => only === undefined || name === only);
  for (const register of await Promise.all(wanted.map(([, load]) => load()))) register(program, io, setExit);
  for (const c of program.commands)
    c.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: errorStyle(io, `igmpkit ${c.name()}`, json) });
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit status. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = ExitCode.ok;
  // with --json every error is JSON too, usage errors included (the words after "--" are not options)
  const dashes = argv.indexOf("--");
  const json = (dashes < 0 ? argv : argv.slice(0, dashes)).includes("--json");
  // a command's name first: only that command is loaded (anything else, `help` or an unknown word, gets all;
  // so does `completion`, which describes every command)
  const only = argv[0] !== "completion" && COMMANDS.some(([name]) => name === argv[0]) ? argv[0] : undefined;
  const program = await buildProgram(
    io,
    (c) => {
      code = c;
    },
    json,
    only,
  );
  // the command being run, for the "igmpkit <command>: message" prefix of errors thrown by its action
  let prefix = "igmpkit";
  program.hook("preSubcommand", (_, sub) => {
    prefix = `igmpkit ${sub.name()}`;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return ExitCode.ok;
      // `igmpkit` alone: the help went to standard error; a usage error
      if (e.code === "commander.help") return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return ExitCode.usage;
    }
    if (e instanceof UsageError) {
      if (json) io.stderr.write(usageJson(e.message));
      else writeError(io, prefix, e.message);
      return ExitCode.usage;
    }
    writeError(io, prefix, fileErrorText(e));
    return ExitCode.failure;
  }
  return code;
}
