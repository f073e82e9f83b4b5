/**
 * Man pages and shell completion come from the commander definitions: the committed man/ pages are what
 * the commands render to now (run `npm run build` after changing an option), package.json installs every
 * one, groff reads them without a warning; the completion scripts parse in their shells and complete.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildProgram, manPages, VERSION } from "../../src/cli/main.js";
import { hasCommand } from "../lab/gate.js";
import { captureIo, cli, tempDir } from "./helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const { dir, cleanup } = tempDir();
afterAll(cleanup);
const program = await buildProgram(captureIo().io, () => {});
const pages = manPages(program, VERSION);

describe("man pages", () => {
  it("the committed pages are what the command definitions render (npm run build regenerates them)", () => {
    const committed = readdirSync(join(ROOT, "man")).filter((f) => f.endsWith(".1")).sort();
    expect(committed).toEqual([...pages.keys()].sort());
    for (const [name, text] of pages) expect(readFileSync(join(ROOT, "man", name), "utf8"), `man/${name} is stale: run npm run build`).toBe(text);
  });

  it("one page per command plus igmpkit(1), all installed through package.json man", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { man: string[]; files: string[] };
    expect(pkg.man.map((m) => m.replace(/^man\//, "")).sort()).toEqual([...pages.keys()].sort());
    expect(pkg.files).toContain("man");
    expect([...pages.keys()].sort()).toEqual(["igmpkit.1", ...program.commands.map((c) => `igmpkit-${c.name()}.1`)].sort());
  });

  it("each page has every option of its command, its notes and exit status", () => {
    for (const c of program.commands) {
      const page = pages.get(`igmpkit-${c.name()}.1`)!;
      for (const o of c.options) expect(page, `${c.name()} ${o.flags}`).toContain((o.long ?? o.short)!.replace(/-/g, "\\-"));
      expect(page).toContain(".SH EXIT STATUS");
    }
    expect(pages.get("igmpkit-decode.1")).toContain("Filter expression");
  });

  it.runIf(hasCommand("groff"))("groff reads every page without a warning", () => {
    for (const [name, text] of pages) {
      const f = join(dir, name);
      writeFileSync(f, text);
      const r = spawnSync("groff", ["-man", "-Tutf8", "-ww", "-z", f], { encoding: "utf8" });
      expect(r.stderr, name).toBe("");
      expect(r.status).toBe(0);
    }
  });
});

describe("igmpkit completion", () => {
  const script = async (shell: string): Promise<string> => {
    const r = await cli(["completion", shell]);
    expect(r.code).toBe(0);
    const f = join(dir, `c.${shell}`);
    writeFileSync(f, r.stdout);
    return f;
  };

  it("bash: commands, a command's options, choices and files", async () => {
    const f = await script("bash");
    const complete = (words: string[]): string[] =>
      execFileSync("bash", ["-c", `source ${f}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _igmpkit; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd: join(ROOT, "fixtures"), encoding: "utf8" })
        .split("\n")
        .filter(Boolean);
    expect(complete(["igmpkit", "de"])).toEqual(["decode"]);
    expect(complete(["igmpkit", "decode", "--ut"])).toEqual(["--utc"]);
    expect(complete(["igmpkit", "decode", "-"])).toEqual(expect.arrayContaining(["-r", "--read", "-e", "-x", "-w", "--json", "--type"]));
    expect(complete(["igmpkit", "lint", "--fail-on", "w"])).toEqual(["warning"]);
    expect(complete(["igmpkit", "decode", "kernel-igmpv3"]).sort()).toEqual(["kernel-igmpv3-host.pcap", "kernel-igmpv3-host.pcapng"]);
    expect(complete(["igmpkit", "monitor", "-r", "frr-pimd-igmpv2"])).toEqual(["frr-pimd-igmpv2.pcap"]);
  });

  it.runIf(hasCommand("fish"))("fish: commands, options with descriptions, choices", async () => {
    const f = await script("fish");
    const complete = (line: string): string[] =>
      execFileSync("fish", ["-c", `source ${f}; complete -C ${JSON.stringify(line)}`], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t")[0]!);
    expect(complete("igmpkit dec")).toEqual(["decode"]);
    expect(complete("igmpkit decode --ut")).toEqual(["--utc"]);
    expect(complete("igmpkit lint --fail-on ")).toEqual(["error", "info", "warning"]);
    expect(complete("igmpkit completion ")).toEqual([]);
  });

  it.runIf(hasCommand("zsh"))("zsh: parses, describes the commands and hands _arguments each option", async () => {
    const f = await script("zsh");
    expect(spawnSync("zsh", ["-n", f]).status).toBe(0);
    // _describe and _arguments replaced by stubs that print what they are given
    const run = (words: string[]): string =>
      execFileSync("zsh", ["-c", `_describe() { print -l -- "\${(@P)4}" }; _arguments() { print -l -- "$@" }; words=(${words.join(" ")}); CURRENT=${words.length}; source ${f}`], { encoding: "utf8" });
    expect(run(["igmpkit", "''"])).toMatch(/^decode:decode the IGMP/m);
    const specs = run(["igmpkit", "decode", "--ut"]);
    expect(specs).toContain("--utc[times of day in UTC (default: local time, as tcpdump; TZ applies)]");
    expect(specs).toMatch(/^\*-t\[/m); // -t may repeat
    expect(specs).toContain("(-w --write)-w[write the frames");
    expect(specs).toContain("*:file:_files");
  });

  it("an unknown shell is a usage error", async () => {
    const r = await cli(["completion", "tcsh"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('igmpkit completion: no completion for "tcsh"; one of: bash, zsh, fish\n');
  });
});
