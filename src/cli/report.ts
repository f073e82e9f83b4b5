/**
 * `igmpkit report FILE... -o report.html`: one self-contained HTML page per run: per capture, the
 * busiest groups' timelines (the rest aggregated), the querier timeline, response delays against Max
 * Resp Time and the lint findings as markers naming their frames. One pass per file: the linter (with
 * its router state) and the statistics as one of its stateful checks.
 */
import { Command } from "commander";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { LAN_CHECKS, Linter } from "../monitor/lint.js";
import { buildReportModel, DEFAULT_REPORT_LIMITS, type ReportModel } from "../monitor/report-model.js";
import { StatsCollector } from "../monitor/stats.js";
import { outputErrorText } from "./errors.js";
import { EXIT_CODES_HELP, ExitCode, UsageError, type CliIo } from "./io.js";
import { renderReportHtml } from "./report-html.js";
import { scanCaptureFile } from "./scan-file.js";
import type { RegisterCommand } from "./io.js";

export interface ReportCliOptions {
  output?: string;
  /** Groups drawn one by one. */
  groups?: number;
}

/** Frame times (ms) by frame number, growing as frames come. */
class FrameTimes {
  private a = new Float64Array(1 << 16);
  n = 0;
  push(t: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = t;
  }
  at(frame: number): number | undefined {
    return frame >= 1 && frame <= this.n ? this.a[frame - 1] : undefined;
  }
}

/** Read one capture into its report model (lint and statistics in one pass of the shared read loop). */
export async function reportModelOf(path: string, io: CliIo, groups: number = DEFAULT_REPORT_LIMITS.groups): Promise<ReportModel> {
  const collector = new StatsCollector({}, true);
  const linter = new Linter({}, [...LAN_CHECKS, collector.lanCheck()]);
  const times = new FrameTimes();
  const st = await scanCaptureFile(
    path,
    (bytes, start, end, wireLength, linkType, frame, seconds, nanos) => {
      times.push(seconds * 1000 + nanos / 1e6);
      linter.pushBytes(bytes, start, end, wireLength, linkType, frame, seconds, nanos);
    },
    { io, progressLabel: path },
  );
  const findings = linter.finish();
  collector.frames = linter.frames;
  const error = st.status === "complete" ? null : (st.error ?? "not read to its end");
  return buildReportModel(path, collector, findings, (n) => times.at(n), error, { ...DEFAULT_REPORT_LIMITS, groups });
}

/** Run `report`; resolves to the exit status (1 when a file could not be read to its end; the page is still written). */
export async function runReport(files: string[], o: ReportCliOptions, io: CliIo): Promise<number> {
  if (files.length === 0) throw new UsageError("report needs at least one FILE");
  if (!o.output) throw new UsageError("report needs -o FILE (the HTML page to write)");
  // The page's file is opened first, as tcpdump opens -w: a path that cannot be written fails at once,
  // not after reading the captures.
  let fd: number;
  try {
    fd = openSync(o.output, "w");
  } catch (e) {
    io.stderr.write(`igmpkit report: ${o.output}: ${outputErrorText(e)}\n`);
    return ExitCode.failure;
  }
  let exit: number = ExitCode.ok;
  const models: ReportModel[] = [];
  for (const path of files) {
    const m = await reportModelOf(path, io, o.groups);
    if (m.error !== null) {
      io.stderr.write(`igmpkit report: ${path}: ${m.error} (the report shows what came before it)\n`);
      exit = ExitCode.failure;
    }
    models.push(m);
  }
  const html = renderReportHtml(models);
  try {
    writeFileSync(fd, html);
  } catch (e) {
    io.stderr.write(`igmpkit report: ${o.output}: ${outputErrorText(e)}\n`);
    return ExitCode.failure;
  } finally {
    closeSync(fd);
  }
  const g = models.reduce((a, m) => a + m.groups.length + m.rest.groups, 0);
  io.stderr.write(`${o.output}: ${files.length} capture${files.length === 1 ? "" : "s"}, ${g} groups, ${models.reduce((a, m) => a + m.findingsTotal, 0)} findings, ${(html.length / 1024).toFixed(0)} KiB\n`);
  return exit;
}

function parseGroups(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 500) throw new UsageError(`--groups ${JSON.stringify(v)}: a whole number of groups to draw, 0 to 500`);
  return n;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("report")
      .description("one self-contained HTML page: group and querier timelines, response delays, lint findings")
      .argument("<file...>", "capture files (pcap/pcapng, plain or gzip); each its own LAN")
      .option("-o, --output <file>", "the HTML page to write")
      .option("--groups <n>", `groups drawn one by one, busiest first (default ${DEFAULT_REPORT_LIMITS.groups}); the rest are drawn together`, parseGroups)
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action(async (files: string[], opts: ReportCliOptions) => {
        setExit(await runReport(files, opts, io));
      }),
  );
};
