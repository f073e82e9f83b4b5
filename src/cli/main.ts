/** The `igmpkit` command line. */
import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands.js";
import { safeText } from "./sanitize.js";
import { EXIT_CODES_HELP, ExitCode, processIo, UsageError, type CliIo } from "./io.js";
import { VERSION } from "./version.js";

/** Build the program; exported for tests. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("igmpkit")
    .description("IGMP toolkit: decode captures, capture live, emulate hosts, monitor and lint a LAN")
    .version(VERSION)
    .addHelpText("after", `\n${EXIT_CODES_HELP}`)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const register of COMMANDS) register(program, io, setExit);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit status. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = ExitCode.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return ExitCode.ok;
      return ExitCode.usage;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`igmpkit: ${safeText(e.message)}\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`igmpkit: ${safeText(e instanceof Error ? e.message : String(e))}\n`);
    return ExitCode.failure;
  }
  return code;
}
