import { describe, expect, it } from "vitest";
import { HostError, isHostError, mergeFilters } from "../../src/host/index.js";
import { brief, IFACE, mkHost, runIdle } from "./helpers.js";

const G = "239.1.1.1";

function code(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    if (isHostError(e)) return e.errno ? `${e.code}/${e.errno}` : e.code;
    throw e;
  }
  return undefined;
}

describe("socket API and the §3.2 interface state", () => {
  it("merges sockets: EXCLUDE wins, intersection of EXCLUDE lists minus the INCLUDE union", () => {
    const f = mergeFilters([
      { mode: "exclude", sources: new Set(["10.0.0.1", "10.0.0.2", "10.0.0.3"]) },
      { mode: "exclude", sources: new Set(["10.0.0.2", "10.0.0.3", "10.0.0.4"]) },
      { mode: "include", sources: new Set(["10.0.0.3", "10.0.0.9"]) },
    ]);
    expect(f.mode).toBe("exclude");
    expect([...f.sources]).toEqual(["10.0.0.2"]);
    const g = mergeFilters([
      { mode: "include", sources: new Set(["10.0.0.1"]) },
      { mode: "include", sources: new Set(["10.0.0.2"]) },
    ]);
    expect(g.mode).toBe("include");
    expect([...g.sources].sort()).toEqual(["10.0.0.1", "10.0.0.2"]);
  });

  it("a second socket joining the same group sends nothing; the last one leaving sends the leave", () => {
    const h = mkHost();
    const a = h.openSocket();
    const b = h.openSocket();
    h.join(0, a, IFACE, G);
    expect(brief(h.drain())).toEqual([`TO_EX ${G} []`]);
    runIdle(h);
    h.drain();
    h.join(5000, b, IFACE, G);
    expect(h.drain()).toEqual([]);
    expect(h.nextDeadline()).toBeNull();
    h.leave(6000, a, IFACE, G);
    expect(h.drain()).toEqual([]);
    h.leave(7000, b, IFACE, G);
    expect(brief(h.drain())).toEqual([`TO_IN ${G} []`]);
    expect(h.interfaceState(IFACE)).toEqual([]);
  });

  it("closing a socket drops all its memberships", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.joinSource(0, s, IFACE, "232.1.1.1", "198.18.0.9");
    runIdle(h);
    h.drain();
    h.closeSocket(10_000, s);
    expect(brief(h.drain())).toEqual([`TO_IN ${G} [] + BLOCK 232.1.1.1 [198.18.0.9]`]);
    expect(h.interfaceState(IFACE)).toEqual([]);
    expect(code(() => h.join(10_000, s, IFACE, G))).toBe("no-such-socket");
  });

  it("a group on two interfaces is two memberships", () => {
    const h = mkHost();
    h.addInterface({ name: "eth1", ip: "198.18.1.10", mac: "02:00:c6:12:01:0a" });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    h.join(0, s, "eth1", G);
    const out = h.drain();
    expect(out.map((f) => f.iface)).toEqual([IFACE, "eth1"]);
    expect(brief(out)).toEqual([`TO_EX ${G} []`, `TO_EX ${G} []`]);
    h.leave(100, s, "eth1", G);
    expect(h.interfaceState(IFACE)).toEqual([{ group: G, mode: "exclude", sources: [] }]);
    expect(h.interfaceState("eth1")).toEqual([]);
  });

  it("throws typed errors for local misuse", () => {
    const h = mkHost();
    const s = h.openSocket();
    expect(code(() => h.join(0, s, IFACE, "10.1.1.1"))).toBe("not-multicast");
    expect(code(() => h.join(0, s, IFACE, "not-an-ip"))).toBe("bad-address");
    expect(code(() => h.leave(0, s, IFACE, G))).toBe("not-joined");
    expect(code(() => h.join(0, s, "eth9", G))).toBe("no-such-interface");
    expect(code(() => h.join(0, s, IFACE, "232.1.1.1"))).toBe("ssm-exclude");
    h.join(0, s, IFACE, G);
    expect(code(() => h.join(0, s, IFACE, G))).toBe("already-joined");
    expect(code(() => h.joinSource(0, s, IFACE, G, "10.0.0.1"))).toBe("mode-conflict");
    expect(code(() => h.unblockSource(0, s, IFACE, G, "10.0.0.1"))).toBe("source-not-found");
    expect(code(() => h.blockSource(0, s, IFACE, G, "224.0.0.5"))).toBe("bad-address");
    h.joinSource(0, s, IFACE, "232.1.1.1", "10.0.0.1");
    expect(code(() => h.blockSource(0, s, IFACE, "232.1.1.1", "10.0.0.1"))).toBe("mode-conflict");
    expect(code(() => h.leaveSource(0, s, IFACE, "232.1.1.1", "10.0.0.2"))).toBe("source-not-found");
    expect(code(() => h.joinSource(0, s, IFACE, "232.1.1.1", "10.0.0.1"))).toBe("source-already-present");
    const e = (() => {
      try {
        h.leave(0, s, IFACE, "239.9.9.9");
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(HostError);
    expect((e as HostError).name).toBe("HostError");
  });

  it("linux profile: kernel errnos and limits (EADDRINUSE, 20 groups, 10 sources), SSM any-source allowed", () => {
    const h = mkHost({ profile: "linux" });
    const s = h.openSocket();
    h.join(0, s, IFACE, G);
    expect(code(() => h.join(0, s, IFACE, G))).toBe("already-joined/EADDRINUSE");
    expect(code(() => h.leave(0, s, IFACE, "239.9.9.9"))).toBe("not-joined/EADDRNOTAVAIL");
    for (let i = 1; i < 20; i++) h.join(0, s, IFACE, `239.2.0.${i}`);
    expect(code(() => h.join(0, s, IFACE, "239.3.0.1"))).toBe("too-many-groups/ENOBUFS");
    const t = h.openSocket();
    for (let i = 1; i <= 10; i++) h.joinSource(0, t, IFACE, "232.1.1.1", `10.0.0.${i}`);
    expect(code(() => h.joinSource(0, t, IFACE, "232.1.1.1", "10.0.0.11"))).toBe("too-many-sources/ENOBUFS");
    // duplicate source: silently nothing, as the kernel
    expect(code(() => h.joinSource(0, t, IFACE, "232.1.1.1", "10.0.0.1"))).toBeUndefined();
    const u = h.openSocket();
    expect(code(() => h.join(0, u, IFACE, "232.2.2.2"))).toBeUndefined();
  });

  it("leaveSource of the last source leaves the group; setSourceFilter INCLUDE {} leaves", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.joinSource(0, s, IFACE, "232.1.1.1", "10.0.0.1");
    h.leaveSource(1, s, IFACE, "232.1.1.1", "10.0.0.1");
    expect(h.socketState(s)).toEqual([]);
    h.setSourceFilter(2, s, IFACE, G, "exclude", ["10.0.0.2"]);
    expect(h.socketState(s)).toEqual([{ iface: IFACE, group: G, mode: "exclude", sources: ["10.0.0.2"] }]);
    h.setSourceFilter(3, s, IFACE, G, "include", []);
    expect(h.socketState(s)).toEqual([]);
  });

  it("rejects time going backwards", () => {
    const h = mkHost();
    const s = h.openSocket();
    h.join(100, s, IFACE, G);
    expect(code(() => h.advance(50))).toBe("bad-argument");
  });
});
