// The public surface of `igmpkit` and `igmpkit/wire` is deliberate: every exported name (values and
// types) is listed in test/api/exports.txt, and every one carries TSDoc. Adding or removing an export
// fails here until the list is updated on purpose:
//   IGMPKIT_UPDATE_API=1 npx vitest run test/api/exports.test.ts     (then review and commit exports.txt)
import { readFileSync, writeFileSync } from "node:fs";
import { expect, test } from "vitest";
import { publicSurface } from "./surface.js";

const FILE = "test/api/exports.txt";
const surface = publicSurface();

test("the export lists of igmpkit and igmpkit/wire are the committed ones", () => {
  const now = surface.map((e) => `${e.entry} ${e.name} ${e.kind}`);
  if (process.env.IGMPKIT_UPDATE_API === "1") writeFileSync(FILE, `${now.join("\n")}\n`);
  const want = readFileSync(FILE, "utf8").trim().split("\n");
  const added = now.filter((l) => !want.includes(l));
  const removed = want.filter((l) => !now.includes(l));
  expect(
    { added, removed },
    `the public surface changed; if on purpose, run IGMPKIT_UPDATE_API=1 npx vitest run test/api/exports.test.ts and commit ${FILE}`,
  ).toEqual({ added: [], removed: [] });
});

test("no fast-path internals, agent tuning or cap plumbing in either entry point", () => {
  const names = new Set(surface.map((e) => e.name));
  for (const n of ["fastCheck", "emitFastFrameJson", "FAST_KEYS", "fastFrame", "lastFastKey", "DEFAULT_AGENT_NICE", "DEFAULT_PAUSE_MS", "ringSlots", "loadCap", "classifyOpenError", "CAP_FIX"])
    expect(names.has(n), n).toBe(false);
});

test("every export carries TSDoc", () => {
  const missing = surface.filter((e) => !e.documented).map((e) => `${e.entry}: ${e.name}`);
  expect(missing, "exports without a TSDoc comment").toEqual([]);
});
