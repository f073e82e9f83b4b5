/** `igmpkit lint FILE...`: RFC conformance findings over captures, as text, JSON or SARIF 2.1.0. */
import { Command, Option } from "commander";
import { createRequire } from "node:module";
import { isPcapError } from "../pcap/index.js";
import { decodeCapture } from "../capture/read.js";
import { hasFindingsAtOrAbove, Linter, type Finding, type Severity } from "../monitor/lint.js";
import { findingsToSarif, formatFindingsText } from "./lint-format.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo } from "./io.js";
import type { RegisterCommand } from "./commands.js";

export interface LintCliOptions {
  json?: boolean;
  sarif?: boolean;
  /** Default "error". */
  failOn?: Severity;
}

function toolVersion(): string {
  try {
    return (createRequire(import.meta.url)("../../package.json") as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

/** Run `lint`; resolves to the exit status (1 when a finding at or above --fail-on exists or a file fails). */
export async function runLint(files: string[], o: LintCliOptions, io: CliIo): Promise<number> {
  if (files.length === 0) throw new UsageError("lint needs at least one FILE");
  if (o.json && o.sarif) throw new UsageError("--json and --sarif cannot be used together");
  const failOn: Severity = o.failOn ?? "error";
  const findings: Finding[] = [];
  let exit: number = ExitCode.ok;
  for (const path of files) {
    // Each file is its own LAN capture: state does not carry over from one file to the next.
    const linter = new Linter();
    try {
      for await (const f of decodeCapture(path)) linter.push(f);
    } catch (e) {
      const msg = isPcapError(e) ? `${e.message} (offset ${e.offset})` : (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
      if (o.json || o.sarif) io.stderr.write(`${JSON.stringify({ file: path, error: msg })}\n`);
      else io.stderr.write(`igmpkit lint: ${path}: ${msg}\n`);
      exit = ExitCode.failure;
    }
    for (const f of linter.finish()) findings.push({ ...f, file: path });
  }
  if (o.sarif) io.stdout.write(`${JSON.stringify(findingsToSarif(findings, toolVersion()), null, 2)}\n`);
  else if (o.json) {
    const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
    io.stdout.write(`${JSON.stringify({ findings, summary: { error: count("error"), warning: count("warning"), info: count("info") } })}\n`);
  } else io.stdout.write(formatFindingsText(findings));
  if (hasFindingsAtOrAbove(findings, failOn)) exit = ExitCode.failure;
  return exit;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("lint")
      .description("check captures against the IGMP RFCs: findings with rule id, severity, frames and RFC section")
      .argument("<file...>", "capture files (pcap/pcapng, plain or gzip)")
      .option("--json", "one JSON object: {findings: [...], summary}")
      .option("--sarif", "SARIF 2.1.0, for code-scanning UIs")
      .addOption(new Option("--fail-on <severity>", "exit 1 when a finding at or above this severity exists").choices(["error", "warning", "info"]).default("error"))
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action(async (files: string[], opts: LintCliOptions) => {
        setExit(await runLint(files, opts, io));
      }),
  );
};
