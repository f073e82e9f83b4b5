// The package as a user gets it: `npm pack` (pure JSON on stdout), the tarball's contents and size, then
// installed from the tarball into a scratch project (offline: commander comes from npm's cache) and used
// from ESM, CommonJS, TypeScript under node10, node16 and bundler resolution, and through its bin.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(".");
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string; dependencies: Record<string, string> };
const dir = mkdtempSync(join(tmpdir(), "igmpkit-tarball-"));
const app = join(dir, "app");
let packed: { filename: string; size: number; files: { path: string }[] };

const run = (cmd: string, args: string[], cwd = app): string => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

beforeAll(() => {
  // prepare (tsup) runs first and must keep stdout clean
  const out = run("npm", ["pack", "--json", "--pack-destination", dir], root);
  packed = (JSON.parse(out) as (typeof packed)[])[0]!;
  mkdirSync(app);
  // Offline, npm resolves from a lockfile only (the cache holds tarballs, not registry metadata): the
  // scratch project's lock names the local tarball and the dependencies this repository locks.
  const tarball = `file:../${packed.filename}`;
  const tgz = readFileSync(join(dir, packed.filename));
  // every package the repository's lock installs for production (commander, ajv and theirs), as locked
  const repoLock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, { dev?: boolean; optional?: boolean; devOptional?: boolean }> };
  const prod = Object.fromEntries(Object.entries(repoLock.packages).filter(([k, v]) => k.startsWith("node_modules/") && !v.dev && !v.optional && !v.devOptional));
  const own = { name: "scratch", version: "1.0.0", private: true, dependencies: { igmpkit: tarball } };
  const lock = {
    ...own,
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": own,
      ...prod,
      "node_modules/igmpkit": { version: pkg.version, resolved: tarball, integrity: `sha512-${createHash("sha512").update(tgz).digest("base64")}`, dependencies: pkg.dependencies, bin: { igmpkit: "bin/igmpkit.js" } },
    },
  };
  writeFileSync(join(app, "package.json"), JSON.stringify(own));
  writeFileSync(join(app, "package-lock.json"), JSON.stringify(lock));
  run("npm", ["ci", "--offline", "--ignore-scripts", "--omit=optional", "--no-audit", "--no-fund"]);
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the packed tarball", () => {
  // Issue 10 asks for under 400 kB. The code ships once: the CommonJS entry points load the ESM build through
  // require(esm) (Node >= 20.19, as engines says), and one bundle of declarations serves both formats.
  it("holds the license, the builds and the launcher; no source maps, no CommonJS CLI; under 400 kB", () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toContain("LICENSE");
    expect(files).toContain("bin/igmpkit.js");
    expect(files).toContain("dist/wire/index.d.cts");
    // what a mature CLI ships: the change log, a manual page per command, the JSON Schemas
    expect(files).toContain("CHANGELOG.md");
    const pkgMan = (JSON.parse(readFileSync("package.json", "utf8")) as { man: string[] }).man;
    expect(pkgMan.length).toBeGreaterThan(1);
    for (const m of pkgMan) expect(files).toContain(m);
    for (const s of ["decode", "lint", "monitor", "stats", "host-stats", "scenario"]) expect(files).toContain(`schemas/${s}.schema.json`);
    expect(files.filter((f) => f.endsWith(".map") || f === "dist/cli.cjs")).toEqual([]);
    // no CommonJS copy of the code: every .cjs file is an entry point of two lines
    expect(files.filter((f) => f.endsWith(".cjs")).sort()).toEqual(["dist/index.cjs", "dist/testing/index.cjs", "dist/wire/index.cjs"]);
    expect(packed.size).toBeLessThan(400_000);
  });
  it("loads from ESM and CommonJS, the root and igmpkit/wire", () => {
    const esm = run("node", ["--input-type=module", "-e", 'import { decodeFrame, encodeIgmpPacket, v2Report } from "igmpkit"; import * as wire from "igmpkit/wire"; const d = decodeFrame({ data: encodeIgmpPacket({ message: v2Report("239.1.1.1"), src: "198.18.0.2" }), linkType: 101 }); console.log(d.igmp.kind, typeof wire.decodeFrame, typeof wire.readCaptureFile)']);
    expect(esm.trim()).toBe("v2-report function undefined");
    const cjs = run("node", ["-e", 'const { readCaptureFile, frameToJson } = require("igmpkit"); const wire = require("igmpkit/wire"); console.log(typeof readCaptureFile, typeof frameToJson, wire.encodeIgmp(wire.leave("239.1.1.1")).length)']);
    expect(cjs.trim()).toBe("function function 8");
    // one copy of the library whichever way it is loaded: an error thrown by code loaded through require is an
    // instance of the class imported by ESM (no dual-package hazard)
    const both = run("node", ["--input-type=module", "-e", 'import { createRequire } from "node:module"; import { WireError } from "igmpkit/wire"; const wire = createRequire(import.meta.url)("igmpkit/wire"); try { wire.encodeIgmp({ type: "bogus" }); } catch (e) { console.log(e instanceof WireError, wire.WireError === WireError); }']);
    expect(both.trim()).toBe("true true");
  });
  it("type-checks under every TypeScript moduleResolution", async () => {
    writeFileSync(
      join(app, "use.ts"),
      [
        'import { decodeFrame, type DecodedFrame } from "igmpkit";',
        'import { encodeIgmp, v3Report, type IgmpMessage } from "igmpkit/wire";',
        'const bytes: Uint8Array = encodeIgmp(v3Report([{ type: "MODE_IS_EXCLUDE", group: "239.1.1.1" }]));',
        "const f: DecodedFrame = decodeFrame({ data: bytes, linkType: 101 });",
        "const m: IgmpMessage | null = f.igmp;",
        "// @ts-expect-error: the types are real, not any",
        "const wrong: string = bytes.length;",
        "export { m, wrong };",
      ].join("\n"),
    );
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const modes = [
      ["commonjs", "node10"],
      ["node16", "node16"],
      ["nodenext", "nodenext"],
      ["esnext", "bundler"],
    ] as const;
    // one compiler per resolution, side by side
    const outs = await Promise.all(
      modes.map(([module, moduleResolution]) => {
        const args = [tsc, "--noEmit", "--strict", "--skipLibCheck", "--types", "node", "--typeRoots", join(root, "node_modules/@types"), "--module", module, "--moduleResolution", moduleResolution, "--target", "es2022", "use.ts"];
        return new Promise<string>((done) => execFile("node", args, { cwd: app, encoding: "utf8" }, (_e, stdout, stderr) => done(stdout + stderr)));
      }),
    );
    expect(Object.fromEntries(modes.map(([m, r], i) => [`${m}/${r}`, outs[i]]))).toEqual(Object.fromEntries(modes.map(([m, r]) => [`${m}/${r}`, ""])));
  });
  it("resolves its JSON Schemas by package path (igmpkit/schemas/...)", () => {
    const out = run("node", ["-e", 'for (const s of ["decode", "stats", "scenario", "igmpkit.config"]) console.log(require(`igmpkit/schemas/${s}.schema.json`).$id)']);
    expect(out.trim().split("\n")).toEqual(["urn:igmpkit:json-model:1:decode", "urn:igmpkit:json-model:1:stats", "urn:igmpkit:json-model:1:scenario", expect.any(String)]);
  });
  it("runs through its bin, with the package's version", () => {
    const bin = join(app, "node_modules/.bin/igmpkit");
    expect(run(bin, ["--version"]).trim()).toBe(pkg.version);
    const out = run(bin, ["decode", "-c", "1", join(root, "fixtures/kernel-igmpv3-host.pcap")]);
    expect(out).toMatch(/198\.18\.13\.2 > 224\.0\.0\.22: IGMPv3 report, 1 record: TO_EX 239\.3\.3\.1 \{\}/);
  });
});
