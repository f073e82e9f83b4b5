/**
 * `igmpkit conform --role host` against igmpkit's own emulated host, live: the hook is the built CLI's
 * `igmpkit host -i IFACE --netns NS --first-ip A --control stdin` on one end of a veth pair, igmpkit the
 * querier on the other. The `rfc` profile passes every case that applies in IGMPv3, v2 and v1 (as it does
 * offline), a `--deaf` host fails exactly the cases that need an answer, and the hook speaks the protocol
 * as scripts/igmp-host.py does for the kernel. The verdicts are published in the README.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { ConformResult } from "../../src/conform/index.js";
import { BIN, ensureBuilt } from "../capture/helpers.js";
import { IGMP_HOST_PY, Lab, LabError, describeLive, waitFor, type LabProcess } from "../lab/index.js";
import { conformHost, expectEveryApplicablePass } from "./live-helpers.js";

const UNSOLICITED_S = "0.5";

async function conformEmulated(version: 1 | 2 | 3, o: { hostFlags?: string[]; cases?: string[] } = {}): Promise<{ res: ConformResult; status: number; stderr: string }> {
  return Lab.with(async (lab) => {
    const q = await lab.netns("q");
    const h = await lab.netns("h");
    // The host's end has no address of the kernel's: 198.18.35.2 is the emulated host's.
    const v = await lab.veth(q, h, { addrA: "198.18.35.1/24" });
    const hook = [process.execPath, BIN, "host", "-i", v.b, "--netns", h.name, "--first-ip", "198.18.35.2", "--igmp-version", String(version), "--unsolicited-interval", UNSOLICITED_S, "--control", "stdin", ...(o.hostFlags ?? [])].join(" ");
    return conformHost(lab, { iface: v.a, netns: q.name, address: "198.18.35.1", dut: "198.18.35.2", hook, version, unsolicited: UNSOLICITED_S, ...(o.cases ? { cases: o.cases } : {}) });
  });
}

/** Write `line` to a hook process and wait for its next answer line. */
async function ask(p: LabProcess, line: string): Promise<string> {
  const before = p.stdout.split("\n").length;
  p.child.stdin!.write(`${line}\n`);
  return waitFor(`an answer to "${line}"`, () => {
    if (!p.running && p.stdout.split("\n").length <= before) throw new LabError(`the hook exited: ${p.stderr}`);
    const lines = p.stdout.split("\n");
    return lines.length > before ? lines[before - 1]! : undefined;
  });
}

describeLive("conform --role host against igmpkit's emulated host (host -i --control stdin)", ["cap", "tshark", "python3"], () => {
  beforeAll(() => ensureBuilt("host", "--control"), 180_000);

  // Three versions and a faulty host, each in its own namespaces, at once: the cases mostly wait.
  describe.concurrent("runs", () => {
    it.each([
      [3, 18],
      [2, 10],
      [1, 6],
    ] as const)("the rfc profile in IGMPv%i passes every case that applies (%i), as offline", async (version, applicable) => {
      const { res, status, stderr } = await conformEmulated(version);
      expectEveryApplicablePass(res, status, applicable, stderr);
    }, 120_000);

    it("a --deaf host fails the cases that need an answer and passes what it does unasked", async () => {
      const cases = ["host.join-report", "host.general-query", "host.group-query", "host.leave-v3", "host.ignore-bad-checksum"];
      const { res, status } = await conformEmulated(3, { hostFlags: ["--deaf"], cases });
      const by = Object.fromEntries(res.results.map((r) => [r.id, r.verdict.status]));
      expect(by).toEqual({ "host.join-report": "pass", "host.general-query": "fail", "host.group-query": "fail", "host.leave-v3": "pass", "host.ignore-bad-checksum": "pass" });
      expect(res.results.find((r) => r.id === "host.general-query")!.verdict.observed).toBe("no answer");
      expect(res.mustFailed).toBe(true);
      expect(status).toBe(1);
    }, 60_000);
  });

  it("answers a command script as scripts/igmp-host.py does for the kernel (ok and err alike)", async () => {
    await Lab.with(async (lab) => {
      const q = await lab.netns("q");
      const k = await lab.netns("k");
      const e = await lab.netns("e");
      await lab.veth(q, k, { addrA: "198.18.36.1/24", addrB: "198.18.36.2/24", nameB: "eth0" });
      await lab.veth(q, e, { addrA: "198.18.37.1/24", nameB: "eth0" });
      const kernel = lab.spawn(k, "python3", ["-u", IGMP_HOST_PY, "198.18.36.2"]);
      const emulated = lab.spawn(e, process.execPath, [BIN, "host", "-i", "eth0", "--first-ip", "198.18.37.2", "--control", "stdin"]);
      const G = "239.78.0.1";
      const S = "198.18.200.1";
      const script = [
        "ping",
        `join ${G}`,
        `join ${G}`,
        `joinsrc 239.78.0.2 ${S}`,
        `leavesrc 239.78.0.2 ${S}`,
        `leavesrc 239.78.0.2 ${S}`,
        `block ${G} ${S}`,
        `unblock ${G} ${S}`,
        `block 239.78.0.3 ${S}`,
        "leave 239.78.0.9",
        `join ${G} @b`,
        `leave ${G} @b`,
        `leave ${G}`,
        `leave ${G}`,
        "bogus 1",
        "quit",
      ];
      const kind = (a: string) => a.split(" ")[0];
      const answers: { line: string; kernel: string; emulated: string }[] = [];
      for (const line of script) answers.push({ line, kernel: await ask(kernel, line), emulated: await ask(emulated, line) });
      expect(answers.map((a) => `${a.line}: ${kind(a.emulated)}`)).toEqual(answers.map((a) => `${a.line}: ${kind(a.kernel)}`));
      expect(answers.filter((a) => kind(a.kernel) === "err").map((a) => a.line)).toEqual([`join ${G}`, `leavesrc 239.78.0.2 ${S}`, `block 239.78.0.3 ${S}`, "leave 239.78.0.9", `leave ${G}`, "bogus 1"]);
      expect(answers.at(-2)!.emulated).toBe(answers.at(-2)!.kernel); // "err unknown command: bogus", word for word
      await waitFor("both hooks to exit after quit", () => !kernel.running && !emulated.running);
      expect(emulated.exitCode).toBe(0);
    });
  }, 60_000);
});
