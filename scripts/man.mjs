#!/usr/bin/env node
// Write man/igmpkit.1 and man/igmpkit-COMMAND.1 from the built CLI's command definitions (npm run build).
// test/cli/man.test.ts fails when the committed pages differ from what the commands say.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { buildProgram, manPages, VERSION } = await import(join(root, "dist/cli.js"));
const io = { stdout: { write: () => true }, stderr: { write: () => true }, stdoutIsTTY: false, stderrIsTTY: false, env: {} };
const pages = manPages(await buildProgram(io, () => {}), VERSION);
const dir = join(root, "man");
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) if (f.endsWith(".1") && !pages.has(f)) rmSync(join(dir, f));
for (const [name, text] of pages) writeFileSync(join(dir, name), text);
console.log(`man/: ${pages.size} pages`);
