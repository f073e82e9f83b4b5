/** `igmpkit lint FILE...`: RFC conformance findings over captures, as text, JSON or SARIF 2.1.0. */
import { Command } from "commander";
import { hasFindingsAtOrAbove, Linter, type Finding, type Severity } from "../monitor/lint.js";
import { EXIT_CODES_HELP, ExitCode, exitSoonIfStopped, UsageError, type CliIo, untilSignal } from "./io.js";
import { findingsToSarif, formatFindingsText } from "./lint-format.js";
import { formatFileProblems, scanCaptureFile, type FileStatus } from "./scan-file.js";
import { VERSION } from "./version.js";
import { colourSeverities, palette, writeError } from "./colour.js";
import type { RegisterCommand } from "./io.js";
import { addRuleOptions, formatRuleList, resolveLintSettings, type LintRuleFlags } from "./lint-rules.js";

export interface LintCliOptions extends LintRuleFlags {
  json?: boolean;
  sarif?: boolean;
  /** Default "error" (or the settings file's). */
  failOn?: Severity;
  /** Where igmpkit.config.json and package.json are looked for; default the process's working directory. */
  cwd?: string;
  /** Default true: a progress bar on a terminal for large files. */
  progress?: boolean;
}

/**
 * Run `lint`; resolves to the exit status: 1 when a finding at or above --fail-on exists, or when a file
 * was not read to its end (missing, unreadable, corrupt part-way, or the run was stopped by `signal`).
 * Every output says which files were not read and why.
 */
export async function runLint(files: string[], o: LintCliOptions, io: CliIo, signal?: AbortSignal): Promise<number> {
  if (o.json && o.sarif) throw new UsageError("--json and --sarif cannot be used together");
  const settings = await resolveLintSettings(o, o.cwd ?? process.cwd());
  if (o.rules) {
    io.stdout.write(formatRuleList(settings, o.json === true));
    return ExitCode.ok;
  }
  if (files.length === 0) throw new UsageError("lint needs at least one FILE");
  const failOn = settings.failOn;
  const findings: Finding[] = [];
  const statuses: FileStatus[] = [];
  for (const path of files) {
    if (signal?.aborted) {
      statuses.push({ file: path, status: "partial", frames: 0, error: `stopped by ${String(signal.reason ?? "a signal")} before reading` });
      continue;
    }
    // Each file is its own LAN capture: state does not carry over from one file to the next.
    const linter = new Linter(settings.options);
    const st = await scanCaptureFile(
      path,
      (bytes, start, end, wireLength, linkType, frame, seconds, nanos) => linter.pushBytes(bytes, start, end, wireLength, linkType, frame, seconds, nanos),
      { io, signal, ...(o.progress !== false ? { progressLabel: path } : {}) },
    );
    statuses.push(st);
    if (st.status !== "complete") {
      const body = { file: path, status: st.status, frames: st.frames, error: st.error };
      if (o.json || o.sarif) io.stderr.write(`${JSON.stringify(body)}\n`);
      else writeError(io, "igmpkit lint", `${path}: ${st.error}`);
    }
    for (const f of linter.finish()) findings.push({ ...f, file: path });
  }
  const complete = statuses.every((s) => s.status === "complete");
  if (o.sarif) io.stdout.write(`${JSON.stringify(findingsToSarif(findings, VERSION, statuses), null, 2)}\n`);
  else if (o.json) {
    const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
    io.stdout.write(`${JSON.stringify({ complete, findings, summary: { error: count("error"), warning: count("warning"), info: count("info") }, files: statuses })}\n`);
  } else {
    io.stdout.write(colourSeverities(formatFindingsText(findings, !complete), palette(io, "stdout")));
    io.stdout.write(formatFileProblems(statuses));
  }
  if (!complete || hasFindingsAtOrAbove(findings, failOn)) return ExitCode.failure;
  return ExitCode.ok;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    addRuleOptions(new Command("lint"))
      .description("check captures against the IGMP RFCs: findings with rule id, severity, frames and RFC section")
      .argument("[file...]", "capture files (pcap/pcapng, plain or gzip)")
      .option("--json", "one JSON object: {complete, findings: [...], summary, files: [{file, status, frames, error}]}")
      .option("--sarif", "SARIF 2.1.0, for code-scanning UIs (invocations say whether every file was read)")
      .option("--no-progress", "no progress bar (it shows only on a terminal, for large files)")
      .addHelpText(
        "after",
        `\nFiles are streamed: any size in bounded memory. Ctrl-C, SIGTERM or SIGHUP stops within a second and prints
the findings so far, marked partial (status 1). A file that cannot be read to its end (missing, unreadable,
corrupt part-way) is named with the reason in every output, and the status is 1.

${EXIT_CODES_HELP}`,
      )
      .action(async (files: string[], opts: LintCliOptions) => {
        await untilSignal(async (signal) => {
          const code = await runLint(files, opts, io, signal);
          setExit(code);
          exitSoonIfStopped(signal, code);
          return code;
        });
      }),
  );
};
