/**
 * The progress bar on a real terminal (a pty made by util-linux `script`): never drawn when standard
 * output is that same terminal (issue 11: "[####---] 12.7% … eta 9s04:40:00.938920 198.18.0.25 > ..."),
 * drawn when the output goes to a file. The fake-io tests in decode.test.ts cannot see whether the two
 * streams are really told apart.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeIgmpFrame, v3Report } from "../../src/wire/index.js";
import { ensureBuilt } from "../capture/helpers.js";
import { describeLive } from "../lab/gate.js";
import { tempDir, writePcap } from "./helpers.js";

const BIN = join(import.meta.dirname, "../../bin/igmpkit.js");
const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** Run a shell command line on a fresh pty; what the terminal showed. */
function onTerminal(line: string): string {
  const r = spawnSync("script", ["-qec", line, "/dev/null"], { encoding: "utf8", timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TERM: "xterm", NO_COLOR: "1" } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const BAR = /\[[#-]{30}\] \d+\.\d% \d+ frames/;

describeLive("progress bar on a real terminal", ["script"], () => {
  let big = "";
  beforeAll(() => {
    ensureBuilt("decode");
    const f = encodeIgmpFrame({ message: v3Report([{ type: 2, group: "239.9.9.9" }]), src: "198.18.0.7", macSrc: "02:00:00:00:00:07" });
    big = writePcap(join(dir, "big.pcap"), Array.from({ length: 160_000 }, () => f)); // ~12 MB: above the 8 MiB threshold
  }, 180_000);

  it("decode: no bar among the lines on one terminal; a bar, cleared, when the lines go to a file", () => {
    const same = onTerminal(`node ${BIN} decode -c 150000 ${big}`);
    expect(same).not.toMatch(BAR);
    expect(same.split("\n").filter((l) => l.includes("IGMPv3 report"))).toHaveLength(150_000);
    for (const l of same.split("\n")) if (l.includes("IGMPv3 report")) expect(l).toMatch(/^\d\d:\d\d:\d\d\.\d{6} 198\.18\.0\.7 > 224\.0\.0\.22: IGMPv3 report, 1 record: IS_EX 239\.9\.9\.9 \{\}\r?$/);

    const out = join(dir, "lines.txt");
    const apart = onTerminal(`node ${BIN} decode -c 150000 ${big} > ${out}`);
    expect(apart).toMatch(BAR);
    expect(apart).toContain("\r\x1b[K"); // cleared before the summary
    const lines = readFileSync(out, "utf8");
    expect(lines).not.toMatch(BAR);
    expect(lines.split("\n").filter(Boolean)).toHaveLength(150_000);
  });

  it("monitor -r (events written while it reads): no bar among them on one terminal; a bar when they go to a file", () => {
    const same = onTerminal(`node ${BIN} monitor --text -r ${big}`);
    expect(same).not.toMatch(BAR);
    expect(same).toMatch(/^239\.9\.9\.9 +exclude /m);
    const out = join(dir, "monitor.txt");
    const apart = onTerminal(`node ${BIN} monitor --text -r ${big} > ${out}`);
    expect(apart).toMatch(BAR);
    expect(readFileSync(out, "utf8")).toMatch(/^239\.9\.9\.9 +exclude /m);
  });

  it("stats, which prints once it has read: the bar on the terminal is cleared before the tables", () => {
    const same = onTerminal(`node ${BIN} stats --text ${big}`);
    expect(same).toMatch(BAR);
    const afterBar = same.slice(same.lastIndexOf("\r\x1b[K") + 4);
    expect(afterBar).not.toMatch(BAR);
    expect(afterBar).toMatch(/^GROUPS \(1, busiest first\)\r?$/m);
    expect(afterBar).toMatch(/^239\.9\.9\.9 /m);
  });
});
