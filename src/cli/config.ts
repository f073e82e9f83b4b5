/**
 * igmpkit's settings file: `--config FILE`, else `igmpkit.config.json` in the working directory, else the
 * `"igmpkit"` key of its package.json. Validated against the JSON Schema shipped in the package
 * (schemas/igmpkit.config.schema.json) with ajv; every problem names the bad key.
 */
import type { Ajv as AjvClass, ErrorObject } from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import schema from "../../schemas/igmpkit.config.schema.json" with { type: "json" };
import type { Severity } from "../monitor/lint.js";
import type { RuleSetting } from "../monitor/rule-settings.js";
import { fsErrorText } from "./errors.js";
import { UsageError } from "./io.js";

/** The `lint` part of the settings, as the schema allows it. */
export interface LintConfig {
  rules?: Record<string, RuleSetting>;
  failOn?: Severity;
  lateGraceMs?: number;
  querierGraceMs?: number;
  unsolicitedReportInterval?: number;
  leaveThreshold?: number;
  reorderToleranceMs?: number;
}

export interface IgmpkitConfig {
  $schema?: string;
  lint?: LintConfig;
}

/** Where the settings came from (for messages), and what they say. */
export interface LoadedConfig {
  source: string | null;
  config: IgmpkitConfig;
}

let validator: ReturnType<AjvClass["compile"]> | null = null;

/** ajv is loaded when a settings file is there to check, not with every command. */
async function validate(doc: unknown): Promise<ErrorObject | null> {
  if (validator === null) {
    const { Ajv } = await import("ajv");
    validator = new Ajv({ allErrors: false, strict: true }).compile(schema);
  }
  return validator(doc) ? null : (validator.errors?.[0] ?? null);
}

/** One ajv error as "lint.rules.foo: unknown rule id ...". */
function describe(e: ErrorObject): string {
  const path = e.instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const at = (parts: string[]) => (parts.length === 0 ? "(top level)" : parts.join("."));
  switch (e.keyword) {
    case "additionalProperties": {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const what = path.join(".") === "lint.rules" ? "unknown rule id (igmpkit lint --rules lists them)" : "unknown key";
      return `${at([...path, key])}: ${what}`;
    }
    case "enum":
      return `${at(path)}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
    default:
      return `${at(path)}: ${e.message ?? "is not valid"}`;
  }
}

/** Check a settings object against the schema; throws a {@link UsageError} naming the bad key. */
export async function checkConfig(doc: unknown, source: string): Promise<IgmpkitConfig> {
  const e = await validate(doc);
  if (e !== null) throw new UsageError(`${source}: ${describe(e)}`);
  return doc as IgmpkitConfig;
}

function readJson(path: string, shown: string): unknown | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`${shown}: ${fsErrorText(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${shown}: not JSON (${(e as Error).message})`);
  }
}

/**
 * The settings in force: `explicit` (--config) must exist; otherwise igmpkit.config.json in `cwd`, then the
 * "igmpkit" key of `cwd`/package.json; none is an empty config.
 */
export async function loadConfig(cwd: string, explicit?: string): Promise<LoadedConfig> {
  if (explicit !== undefined) {
    const doc = readJson(explicit, explicit);
    if (doc === undefined) throw new UsageError(`--config ${explicit}: no such file`);
    return { source: explicit, config: await checkConfig(doc, explicit) };
  }
  const own = readJson(join(cwd, "igmpkit.config.json"), "igmpkit.config.json");
  if (own !== undefined) return { source: "igmpkit.config.json", config: await checkConfig(own, "igmpkit.config.json") };
  const pkg = readJson(join(cwd, "package.json"), "package.json");
  if (pkg !== null && typeof pkg === "object" && "igmpkit" in pkg)
    return { source: "package.json", config: await checkConfig((pkg as { igmpkit: unknown }).igmpkit, 'package.json "igmpkit"') };
  return { source: null, config: {} };
}
