/** Live-capture pieces that need no privileges: error classification, link types, the CLI without cap. */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CAP_FIX,
  CAPTURE_BUFFER_SIZE,
  CaptureError,
  DEFAULT_BUFFER_SIZE,
  DEFAULT_FILTER,
  classifyOpenError,
  defaultSnaplen,
  isCaptureError,
  linkTypeFromCap,
  ringSlots,
} from "../../src/capture/live";
import { AGENT_RECORD_HEADER, AGENT_SOURCE, AgentRecord, AgentRecordFlag, readAgentRecords } from "../../src/capture/live-agent";
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

  it("counts the ring's packet slots as libpcap lays them out in immediate mode (`ss -0 -e` frm_size/frm_nr)", () => {
    const MiB = 1024 * 1024;
    // read from ss on libpcap 1.10: 65535 -> frm_size 65616, frm_nr 1023; 1522 -> 1600, 41944
    expect(ringSlots(64 * MiB, 65535)).toBe(1023);
    expect(ringSlots(65616, 65535)).toBe(1);
    expect(ringSlots(64 * MiB, 1522)).toBe(41944);
    expect(ringSlots(DEFAULT_BUFFER_SIZE, 1522)).toBe(10486);
    expect(ringSlots(CAPTURE_BUFFER_SIZE, 1522)).toBe(20972);
    expect(ringSlots(DEFAULT_BUFFER_SIZE, 262)).toBe(49932);
  });

  it("defaults the snaplen to the largest IGMP frame the MTU allows (two VLAN tags), never below 1522", () => {
    expect(defaultSnaplen(1500)).toBe(1522);
    expect(defaultSnaplen(0)).toBe(1522);
    expect(defaultSnaplen(9000)).toBe(9022);
    expect(defaultSnaplen(65536)).toBe(65535);
  });

  it("the agent's source runs as plain CommonJS: no bundler helpers, parses", () => {
    expect(AGENT_SOURCE).not.toMatch(/__name|__require|import\(/);
    expect(() => new Function("require", "process", AGENT_SOURCE)).not.toThrow();
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
  /** Records as the agent writes them: [caplen][wire length][flags][0][seconds][nanoseconds] (u32 LE), bytes. */
  function records(frames: { s: number; ns: number; wire?: number; delivery?: boolean; data: number[] }[]): Buffer {
    const parts = frames.map((f) => {
      const r = Buffer.alloc(AGENT_RECORD_HEADER + f.data.length);
      r.writeUInt32LE(f.data.length, AgentRecord.length);
      r.writeUInt32LE(f.wire ?? f.data.length, AgentRecord.wireLength);
      r.writeUInt32LE(f.delivery ? AgentRecordFlag.deliveryTime : 0, AgentRecord.flags);
      r.writeUInt32LE(f.s, AgentRecord.seconds);
      r.writeUInt32LE(f.ns, AgentRecord.nanoseconds);
      Buffer.from(f.data).copy(r, AgentRecord.data);
      return r;
    });
    return Buffer.concat(parts);
  }
  const sent = [
    { s: 1796137916, ns: 882087624, data: [1, 2, 3] },
    { s: 5, ns: 6, delivery: true, data: [] },
    { s: 0xffffffff, ns: 999_999_999, wire: 1500, data: Array.from({ length: 70 }, (_, i) => i) },
  ];
  const plain = (fs: Frame[]) => fs.map((f) => ({ ...f, data: [...f.data] }));

  it("turns records into frames with libpcap's time (or delivery time + anchor) and wire length, copied out of the chunk", () => {
    const bytes = records(sent);
    const out: Frame[] = [];
    expect(readAgentRecords(bytes, 1000n, 1, "far0", out)).toBe(bytes.length);
    expect(plain(out)).toEqual([
      { timestampNs: 1796137916_882087624n, wireLength: 3, data: [1, 2, 3], linkType: 1, interfaceId: 0, interfaceName: "far0" },
      { timestampNs: 5_000000006n + 1000n, wireLength: 0, data: [], linkType: 1, interfaceId: 0, interfaceName: "far0" },
      { timestampNs: 4294967295_999999999n, wireLength: 1500, data: sent[2]!.data, linkType: 1, interfaceId: 0, interfaceName: "far0" },
    ]);
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
    // the CLI and the chunks it shares with the library
    cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true });
    copyFileSync(join(ROOT, "package.json"), join(dir, "package.json"));
    // every runtime dependency but the optional cap
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies)) symlinkSync(join(ROOT, "node_modules", dep), join(dir, "node_modules", dep));
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
