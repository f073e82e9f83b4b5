// Write schemas/igmpkit.config.schema.json from the rule catalog (run after `npm run build`; the test
// test/cli/lint-rules.test.ts checks that the committed schema names every rule).
import { LINT_RULES } from "../dist/index.js";
import { writeFileSync } from "node:fs";
const ids = Object.values(LINT_RULES).map((r) => r.id);
const setting = { $ref: "#/definitions/ruleSetting" };
const schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/igmpkit/igmpkit/blob/main/schemas/igmpkit.config.schema.json",
  title: "igmpkit configuration",
  description: "Settings for igmpkit, read from igmpkit.config.json in the working directory, the file given with --config, or the \"igmpkit\" key of package.json. Command-line flags override them.",
  type: "object",
  additionalProperties: false,
  properties: {
    $schema: { type: "string", description: "The schema's location, for editors." },
    lint: {
      type: "object",
      description: "igmpkit lint.",
      additionalProperties: false,
      properties: {
        rules: {
          type: "object",
          description: "Rules turned off or given another severity, by rule id (igmpkit lint --rules lists them).",
          additionalProperties: false,
          properties: Object.fromEntries(ids.map((id) => [id, setting])),
        },
        failOn: { enum: ["error", "warning", "info"], description: "Exit 1 when a finding at or above this severity exists (--fail-on). Default error." },
        lateGraceMs: { type: "number", minimum: 0, description: "Time allowed after Max Resp Time before a report is late, ms (--late-grace). Default 100." },
        querierGraceMs: { type: "number", minimum: 0, description: "A higher-address querier may still send a query this long after the lower one's, ms (--querier-grace). Default 1000." },
        unsolicitedReportInterval: { type: "number", exclusiveMinimum: 0, description: "Unsolicited Report Interval for IGMPv3 state changes, seconds (--unsolicited-report-interval). Default 1." },
        leaveThreshold: { type: "integer", minimum: 1, description: "Leaves without having reported last before leave-not-last-reporter fires (--leave-threshold). Default 2." },
        reorderToleranceMs: { type: "number", minimum: 0, description: "A frame stamped at most this much earlier than one before it is not timestamps-out-of-order, ms (--reorder-tolerance). Default 10." },
      },
    },
  },
  definitions: {
    ruleSetting: { enum: ["off", "info", "warning", "error"], description: "off, or the severity the rule's findings get." },
  },
};
writeFileSync(new URL("../schemas/igmpkit.config.schema.json", import.meta.url), JSON.stringify(schema, null, 2) + "\n");
