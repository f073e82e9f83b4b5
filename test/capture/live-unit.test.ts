/** Live-capture pieces that need no privileges: error classification, link types, the CLI without cap. */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CAP_FIX,
  CaptureError,
  DEFAULT_BUFFER_SIZE,
  DEFAULT_FILTER,
  captureBufferSize,
  classifyOpenError,
  isCaptureError,
  linkTypeFromCap,
  ringSlots,
} from "../../src/capture/live";
import { AGENT_RECORD_HEADER, AgentRecord, readAgentRecords } from "../../src/capture/live-agent";
import type { Frame } from "../../src/pcap/frame";
import { prefixLength } from "../../src/cli/interfaces";
import { ROOT, ensureBuilt } from "./helpers";

describe("live capture: classification", () => {
  it("turns libpcap's open errors into typed codes with the fix in the message", () => {
    const perm = classifyOpenError("eth0", "socket: Operation not permitted", []);
    expect(perm.code).toBe("not-permitted");
    expect(perm.message).toMatch(/root.*CAP_NET_RAW.*CAP_NET_ADMIN/);
    expect(classifyOpenError("eth0", "You don't have permission to capture on that device (socket: Operation not permitted)", []).code).toBe("not-permitted");
    const missing = classifyOpenError("nosuch0", "nosuch0: No such device exists (SIOCGIFHWADDR: No such device)", ["eth0", "lo"]);
    expect(missing.code).toBe("no-such-interface");
    expect(missing.message).toBe("no such interface: nosuch0; interfaces here: eth0, lo");
    const bad = classifyOpenError("eth0", "can't parse filter expression: syntax error", []);
    expect(bad.code).toBe("bad-filter");
    expect(bad.message).toBe("bad filter expression: can't parse filter expression: syntax error");
    expect(classifyOpenError("eth0", "eth0: That device is not up", []).code).toBe("open-failed");
  });

  it("maps cap's link type names to LINKTYPE numbers (any = Linux cooked v1, 113)", () => {
    expect(linkTypeFromCap("ETHERNET")).toBe(1);
    expect(linkTypeFromCap("LINKTYPE_LINUX_SLL")).toBe(113);
    expect(linkTypeFromCap("RAW")).toBe(101);
    expect(linkTypeFromCap("NULL")).toBe(0);
    expect(linkTypeFromCap("Unknown linktype 276")).toBe(276);
  });

  it("recognises a CaptureError by name and code, also from another copy of the package", () => {
    const e = new CaptureError("interface-gone", "x", "eth0");
    expect(isCaptureError(e)).toBe(true);
    expect(e.toJSON()).toEqual({ name: "CaptureError", code: "interface-gone", message: "x", interface: "eth0" });
    const foreign = Object.assign(new Error("y"), { name: "CaptureError", code: "bad-filter" });
    expect(isCaptureError(foreign)).toBe(true);
    expect(isCaptureError(new Error("z"))).toBe(false);
  });

  it("counts the ring's packet slots as libpcap lays them out in immediate mode (ss -0 -e: frm_nr 1023 for 64 MiB)", () => {
    expect(ringSlots(DEFAULT_BUFFER_SIZE)).toBe(1023);
    expect(ringSlots(65616)).toBe(1);
  });

  it("sizes the CLI's ring from the machine's memory: 1/64 of it, 64 MiB at least, 256 MiB at most", () => {
    const MiB = 1024 * 1024;
    expect(captureBufferSize(2 * 1024 * MiB)).toBe(64 * MiB);
    expect(captureBufferSize(8 * 1024 * MiB)).toBe(128 * MiB);
    expect(captureBufferSize(12 * 1024 * MiB + 5)).toBe(192 * MiB);
    expect(captureBufferSize(64 * 1024 * MiB)).toBe(256 * MiB);
    expect(ringSlots(captureBufferSize(64 * 1024 * MiB))).toBe(4092);
  });

  it("nests the VLAN clauses of the default filter", () => {
    expect(DEFAULT_FILTER).toBe("igmp or (vlan and (igmp or (vlan and igmp)))");
  });

  it("prints netmasks as prefix lengths", () => {
    expect(prefixLength("255.255.255.0")).toBe(24);
    expect(prefixLength("255.0.0.0")).toBe(8);
    expect(prefixLength("ffff:ffff:ffff:ffff::")).toBe(64);
    expect(prefixLength("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).toBe(128);
    expect(prefixLength("255.0.255.0")).toBeUndefined();
  });
});

describe("live capture: the agent's record stream", () => {
  /** Records as the agent writes them: [len u32][flags u32][monotonic ns u64][bytes]. */
  function records(frames: { mono: bigint; data: number[] }[]): Buffer {
    const parts = frames.map((f) => {
      const r = Buffer.alloc(AGENT_RECORD_HEADER + f.data.length);
      r.writeUInt32LE(f.data.length, AgentRecord.length);
      r.writeBigUInt64LE(f.mono, AgentRecord.monotonicNs);
      Buffer.from(f.data).copy(r, AgentRecord.data);
      return r;
    });
    return Buffer.concat(parts);
  }
  const sent = [
    { mono: 5n, data: [1, 2, 3] },
    { mono: 6n, data: [] },
    { mono: 2n ** 63n, data: Array.from({ length: 70 }, (_, i) => i) },
  ];
  const plain = (fs: Frame[]) => fs.map((f) => ({ ...f, data: [...f.data] }));

  it("turns records into frames stamped with monotonic time + anchor, copied out of the chunk", () => {
    const bytes = records(sent);
    const out: Frame[] = [];
    expect(readAgentRecords(bytes, 1000n, 1, "far0", out)).toBe(bytes.length);
    expect(plain(out)).toEqual(
      sent.map((f) => ({ timestampNs: f.mono + 1000n, wireLength: f.data.length, data: f.data, linkType: 1, interfaceId: 0, interfaceName: "far0" })),
    );
    bytes.fill(0xee); // the frames do not share the chunk's memory
    expect(out[0]!.data).toEqual(new Uint8Array([1, 2, 3]));
    expect(out[0]!.data.buffer).not.toBe(bytes.buffer);
  });

  it("a record cut anywhere by the pipe is read whole once the rest arrives", () => {
    const bytes = records(sent);
    const want = (() => {
      const o: Frame[] = [];
      readAgentRecords(bytes, 0n, 1, "x", o);
      return plain(o);
    })();
    for (let cut = 0; cut <= bytes.length; cut++) {
      const out: Frame[] = [];
      const first = bytes.subarray(0, cut);
      const used = readAgentRecords(first, 0n, 1, "x", out);
      // only whole records are consumed
      expect(out.length).toBe(want.filter((_, i) => AGENT_RECORD_HEADER * (i + 1) + sent.slice(0, i + 1).reduce((a, f) => a + f.data.length, 0) <= cut).length);
      const rest = Buffer.concat([first.subarray(used), bytes.subarray(cut)]);
      expect(readAgentRecords(rest, 0n, 1, "x", out)).toBe(rest.length);
      expect(plain(out)).toEqual(want);
    }
  });
});

describe("the CLI where cap is not installed", () => {
  let dir = "";
  beforeAll(() => {
    ensureBuilt();
    // The built CLI alone, with commander but without cap: what a user without libpcap-dev gets.
    dir = mkdtempSync(join(tmpdir(), "igmpkit-nocap-"));
    for (const d of ["bin", "dist", "node_modules"]) mkdirSync(join(dir, d));
    copyFileSync(join(ROOT, "bin", "igmpkit.js"), join(dir, "bin", "igmpkit.js"));
    copyFileSync(join(ROOT, "dist", "cli.js"), join(dir, "dist", "cli.js"));
    copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
    symlinkSync(join(ROOT, "node_modules", "commander"), join(dir, "node_modules", "commander"));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const args of [["interfaces"], ["capture", "-i", "lo"]]) {
    it(`igmpkit ${args.join(" ")}: says how to fix it, exit 1`, () => {
      const r = spawnSync(process.execPath, [join(dir, "bin", "igmpkit.js"), ...args], { encoding: "utf8", timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('the optional native package "cap"');
      expect(r.stderr).toContain(CAP_FIX);
      expect(r.stdout).toBe("");
    });
  }
});
