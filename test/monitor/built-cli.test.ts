// The built CLI (dist, as installed users run it; `npm test` builds with tsup first): --version and SARIF's
// tool.driver.version both come from package.json. (The version was once read from a path right from src/
// and wrong from dist/, and the tests, running from src/, did not see it.)
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

test("igmpkit --version and lint --sarif's tool.driver.version are package.json's version", () => {
  expect(version).toMatch(/^\d+\.\d+\.\d+/);
  expect(execFileSync("node", ["bin/igmpkit.js", "--version"], { encoding: "utf8" }).trim()).toBe(version);
  const r = spawnSync("node", ["bin/igmpkit.js", "lint", "--sarif", "fixtures/kernel-igmpv3-host.pcap"], { encoding: "utf8" });
  const sarif = JSON.parse(r.stdout) as { runs: { tool: { driver: { version: string } } }[] };
  expect(sarif.runs[0]!.tool.driver.version).toBe(version);
});

test("the launcher runs Node without NODE_EXTRA_CA_CERTS (igmpkit makes no TLS connection; Node reads the bundle at every start)", () => {
  // Node warns about a bundle it cannot load: run as a user does (the shebang) with one that does not exist
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: "/nonexistent/igmpkit-test-ca.pem" };
  const bare = spawnSync("node", ["-e", "0"], { encoding: "utf8", env });
  expect(bare.stderr).toContain("Ignoring extra certs");
  const r = spawnSync("bin/igmpkit.js", ["--version"], { encoding: "utf8", env });
  expect(r.stdout.trim()).toBe(version);
  expect(r.stderr).toBe("");
});
