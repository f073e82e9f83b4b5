/**
 * `igmpkit lint` rule control: `--rules`, `--disable`, `--enable`, `--severity`, the LintOptions as flags,
 * and the settings file under them (flags override the file, the file overrides the defaults).
 */
import { Option, type Command } from "commander";
import { LINT_RULES, LINT_RULES_BY_ID, type LintOptions, type Severity } from "../monitor/lint.js";
import { ruleSetting, ruleSettingsProblem, type RuleSetting } from "../monitor/rule-settings.js";
import { loadConfig } from "./config.js";
import { UsageError } from "./io.js";

/** The rule-control flags as commander gives them. */
export interface LintRuleFlags {
  rules?: boolean;
  disable?: string[];
  enable?: string[];
  severity?: string[];
  lateGrace?: string;
  querierGrace?: string;
  unsolicitedReportInterval?: string;
  leaveThreshold?: string;
  reorderTolerance?: string;
  config?: string;
  failOn?: Severity;
}

/** What lint runs with. */
export interface LintSettings {
  options: LintOptions;
  failOn: Severity;
  /** Where the settings file was found, or null. */
  configSource: string | null;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(",").map((s) => s.trim()).filter((s) => s !== "")];

/** Add the rule-control options to the lint command. */
export function addRuleOptions(cmd: Command): Command {
  return cmd
    .option("--rules", "list every rule (id, severity with the settings applied, RFC, one line) and exit")
    .option("--disable <ids>", "turn rules off (comma list, repeatable)", collect)
    .option("--enable <ids>", "turn rules on again, at their own severity, when the config file turned them off (comma list)", collect)
    .option("--severity <id=level>", "give a rule another severity: error, warning or info (repeatable, comma list)", collect)
    .option("--late-grace <ms>", "time allowed after Max Resp Time before a report is late (default 100)")
    .option("--querier-grace <ms>", "a higher-address querier may still query this long after the lower one (default 1000)")
    .option("--unsolicited-report-interval <s>", "IGMPv3 Unsolicited Report Interval for state-change repeats (default 1)")
    .option("--leave-threshold <n>", "stray leaves before leave-not-last-reporter fires (default 2)")
    .option("--reorder-tolerance <ms>", "a frame stamped this much earlier than one before it is not timestamps-out-of-order (default 10)")
    .option("--config <file>", "settings file (default: igmpkit.config.json here, or the \"igmpkit\" key of package.json)")
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding at or above this severity exists (default error)").choices(["error", "warning", "info"]));
}

function number(flag: string, v: string, min: number, opts: { integer?: boolean; exclusive?: boolean } = {}): number {
  const n = Number(v);
  const ok = v.trim() !== "" && Number.isFinite(n) && (opts.exclusive ? n > min : n >= min) && (!opts.integer || Number.isInteger(n));
  if (!ok) throw new UsageError(`${flag}: ${JSON.stringify(v)} is not ${opts.integer ? "an integer" : "a number"} ${opts.exclusive ? ">" : ">="} ${min}`);
  return n;
}

function knownId(flag: string, id: string): string {
  if (!LINT_RULES_BY_ID.has(id)) throw new UsageError(`${flag}: unknown rule id "${id}" (igmpkit lint --rules lists them)`);
  return id;
}

/** The settings file, then the flags over it. Throws {@link UsageError} naming the bad flag or key. */
export async function resolveLintSettings(o: LintRuleFlags, cwd: string): Promise<LintSettings> {
  const { source, config } = await loadConfig(cwd, o.config);
  const c = config.lint ?? {};
  const rules: Record<string, RuleSetting> = { ...(c.rules ?? {}) };
  const disable = new Set((o.disable ?? []).map((id) => knownId("--disable", id)));
  for (const id of o.enable ?? []) {
    knownId("--enable", id);
    if (disable.has(id)) throw new UsageError(`--enable ${id}: also given to --disable`);
    if (rules[id] === "off") delete rules[id];
  }
  for (const id of disable) rules[id] = "off";
  for (const pair of o.severity ?? []) {
    const m = /^([^=]+)=(.*)$/.exec(pair);
    if (m === null) throw new UsageError(`--severity ${pair}: expected ID=error|warning|info`);
    const id = knownId("--severity", m[1]!);
    const level = m[2]!;
    if (level !== "error" && level !== "warning" && level !== "info") throw new UsageError(`--severity ${pair}: "${level}" is not error, warning or info`);
    if (disable.has(id)) throw new UsageError(`--severity ${id}: also given to --disable`);
    rules[id] = level;
  }
  const problem = ruleSettingsProblem(rules, LINT_RULES_BY_ID);
  if (problem !== null) throw new UsageError(problem);
  const options: LintOptions = { rules };
  const lateGraceMs = o.lateGrace !== undefined ? number("--late-grace", o.lateGrace, 0) : c.lateGraceMs;
  const querierGraceMs = o.querierGrace !== undefined ? number("--querier-grace", o.querierGrace, 0) : c.querierGraceMs;
  const uri = o.unsolicitedReportInterval !== undefined ? number("--unsolicited-report-interval", o.unsolicitedReportInterval, 0, { exclusive: true }) : c.unsolicitedReportInterval;
  const leaveThreshold = o.leaveThreshold !== undefined ? number("--leave-threshold", o.leaveThreshold, 1, { integer: true }) : c.leaveThreshold;
  const reorderToleranceMs = o.reorderTolerance !== undefined ? number("--reorder-tolerance", o.reorderTolerance, 0) : c.reorderToleranceMs;
  if (lateGraceMs !== undefined) options.lateGraceMs = lateGraceMs;
  if (querierGraceMs !== undefined) options.querierGraceMs = querierGraceMs;
  if (uri !== undefined) options.unsolicitedReportInterval = uri;
  if (leaveThreshold !== undefined) options.leaveThreshold = leaveThreshold;
  if (reorderToleranceMs !== undefined) options.reorderToleranceMs = reorderToleranceMs;
  return { options, failOn: o.failOn ?? c.failOn ?? "error", configSource: source };
}

/** `lint --rules`: one line per rule (text), or the rules with their settings as one JSON array. */
export function formatRuleList(settings: LintSettings, json: boolean): string {
  const rules = Object.values(LINT_RULES).map((r) => ({ ...r, setting: ruleSetting(r, settings.options.rules ?? {}) }));
  if (json) return `${JSON.stringify(rules)}\n`;
  const w = Math.max(...rules.map((r) => r.id.length));
  const rfcW = Math.max(...rules.map((r) => r.rfc.length));
  return rules.map((r) => `${r.id.padEnd(w)}  ${r.setting.padEnd(7)}  ${r.rfc.padEnd(rfcW)}  ${r.summary}`).join("\n") + "\n";
}
