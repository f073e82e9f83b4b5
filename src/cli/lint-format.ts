/**
 * Rendering lint findings for people and tools: grouped text, and SARIF 2.1.0 for code-scanning UIs. The
 * findings come from the sans-IO linter (src/monitor/lint.ts); what happened to each file (read to its end
 * or not) comes from the command, so that a file that could not be read never looks like a clean one.
 */
import { LINT_RULES, LINT_RULES_BY_ID, SEVERITY_RANK, type Finding, type Severity } from "../monitor/lint.js";
import type { FileStatus } from "./scan-file.js";

function frameList(frames: number[], total = frames.length): string {
  const shown = frames.slice(0, 20).join(", ");
  return total > 20 ? `${shown}, … (${total} frames)` : shown;
}

/**
 * Text grouped by rule, most severe rules first; a summary line last. `partial`: not every file was read to
 * its end, and the text says so instead of looking clean.
 */
export function formatFindingsText(findings: readonly Finding[], partial = false): string {
  if (findings.length === 0) return partial ? "no findings in what was read; NOT EVERY FILE WAS READ (see below)\n" : "no findings\n";
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  // A rule's severity as its findings carry it (the rule settings may have changed it).
  const sev = (id: string) => SEVERITY_RANK[byRule.get(id)![0]!.severity];
  const rules = [...byRule.keys()].sort((a, b) => sev(b) - sev(a) || a.localeCompare(b));
  const lines: string[] = [];
  for (const id of rules) {
    const r = LINT_RULES_BY_ID.get(id)!;
    const list = byRule.get(id)!;
    lines.push(`${list[0]!.severity} ${id} (${r.rfc}): ${r.summary}`);
    for (const f of list) lines.push(`  ${f.file !== undefined ? `${f.file}: ` : ""}frame ${frameList(f.frames, f.frameCount)}: ${f.message}`);
  }
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  lines.push(`${count("error")} errors, ${count("warning")} warnings, ${count("info")} info${partial ? "; NOT EVERY FILE WAS READ (see below)" : ""}`);
  return lines.join("\n") + "\n";
}

const SARIF_LEVEL: Readonly<Record<Severity, string>> = { error: "error", warning: "warning", info: "note" };

/**
 * A SARIF 2.1.0 log of the findings (one run, every rule described, one result per finding). With `files`,
 * the run's invocation says whether every file was read to its end (`executionSuccessful`), with a
 * `toolExecutionNotifications` error per file that was not, so a code-scanning upload never shows a run
 * that could not read its input as clean.
 */
export function findingsToSarif(findings: readonly Finding[], toolVersion = "0.0.0", files?: readonly FileStatus[]): object {
  const failed = (files ?? []).filter((f) => f.status !== "complete");
  const rules = Object.values(LINT_RULES);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "igmpkit",
            version: toolVersion,
            informationUri: "https://github.com/igmpkit/igmpkit",
            rules: rules.map((r) => ({
              id: r.id,
              shortDescription: { text: r.summary },
              help: { text: r.hint },
              helpUri: rfcUri(r.rfc),
              properties: { rfc: r.rfc },
              defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
            })),
          },
        },
        ...(files !== undefined
          ? {
              invocations: [
                {
                  executionSuccessful: failed.length === 0,
                  toolExecutionNotifications: failed.map((f) => ({
                    level: "error",
                    message: { text: `${f.file}: ${f.status === "partial" ? "partial" : "not read to its end"}: ${f.error ?? "unknown"} (${f.frames} frames judged)` },
                    locations: [{ physicalLocation: { artifactLocation: { uri: f.file } } }],
                    properties: { status: f.status, frames: f.frames },
                  })),
                },
              ],
            }
          : {}),
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              ...(f.file !== undefined ? { physicalLocation: { artifactLocation: { uri: f.file } } } : {}),
              logicalLocations: f.frames.map((n) => ({ name: `frame ${n}`, kind: "object" })),
            },
          ],
          properties: { frames: f.frames, ...(f.frameCount !== undefined ? { frameCount: f.frameCount } : {}), rfc: f.rfc, ...(f.source !== undefined ? { source: f.source } : {}), ...(f.vlan !== undefined ? { vlan: f.vlan } : {}) },
        })),
      },
    ],
  };
}

function rfcUri(rfc: string): string {
  const m = /RFC (\d+)/.exec(rfc);
  return m ? `https://www.rfc-editor.org/rfc/rfc${m[1]}` : "https://www.rfc-editor.org/";
}
