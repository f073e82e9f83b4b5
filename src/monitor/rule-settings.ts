/**
 * Rule control: turn rules off or change their severity (`lint --disable/--enable/--severity`, the config
 * file's `lint.rules`, {@link LintOptions.rules}). Pure: the rule table comes in as an argument.
 */
import type { LintRule, Severity } from "./rules.js";

/** A rule's setting: a severity, or "off". */
export type RuleSetting = Severity | "off";

/** Settings by rule id. Rules not named keep their own severity. */
export type RuleSettings = Readonly<Record<string, RuleSetting>>;

export const RULE_SETTINGS: readonly RuleSetting[] = Object.freeze(["off", "info", "warning", "error"]);

/** The first problem with `settings` against the rule table, naming the bad key, or null. */
export function ruleSettingsProblem(settings: RuleSettings, rules: ReadonlyMap<string, LintRule>): string | null {
  for (const [id, v] of Object.entries(settings)) {
    if (!rules.has(id)) return `unknown rule id "${id}" (igmpkit lint --rules lists them)`;
    if (!RULE_SETTINGS.includes(v)) return `rule "${id}": ${JSON.stringify(v)} is not one of ${RULE_SETTINGS.join(", ")}`;
  }
  return null;
}

/** What a rule does under `settings`. */
export function ruleSetting(rule: LintRule, settings: RuleSettings): RuleSetting {
  return settings[rule.id] ?? rule.severity;
}

/** The findings of rules that are on, with the severities the settings give them. */
export function applyRuleSettings<F extends { rule: string; severity: Severity }>(findings: F[], settings: RuleSettings): F[] {
  if (Object.keys(settings).length === 0) return findings;
  const out: F[] = [];
  for (const f of findings) {
    const s = settings[f.rule];
    if (s === "off") continue;
    out.push(s === undefined || s === f.severity ? f : { ...f, severity: s });
  }
  return out;
}
