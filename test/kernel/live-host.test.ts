/**
 * The kernel as an IGMP host, read back through igmpkit's /proc parsers and checked against the wire:
 * reference counts per socket (only the first join and the last leave reach the wire), a killed process,
 * the same group on two interfaces, SSM and blocked sources; and the host emulator's `linux` profile run on
 * the same socket script ending in the same per-interface groups, counts and filters.
 */
import { expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/file.js";
import { runKernel } from "../../src/cli/kernel.js";
import { Host } from "../../src/host/index.js";
import { readKernelState } from "../../src/io/kernel.js";
import { kernelFindings, type KernelState } from "../../src/kernel/index.js";
import { decodeFrame } from "../../src/wire/index.js";
import { captureIo } from "../cli/helpers.js";
import { BIN, ensureBuiltWithKernel } from "./helpers.js";
import { IGMP_HOST_PY, KernelHost, Lab, describeLive, waitFor, type Netns } from "../lab/index.js";

const URI_MS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A kernel socket holder of our own (one igmp-host.py process), so that the test can SIGKILL it. */
async function holder(lab: Lab, ns: Netns, ifname: string, local: string): Promise<KernelHost> {
  const proc = lab.spawn(ns, "python3", ["-u", IGMP_HOST_PY, local]);
  const h = new KernelHost(ns.name, ifname, local, proc);
  await h.command("ping");
  return h;
}

/** The group's row on an interface, or undefined. */
const groupOf = (s: KernelState, iface: string, group: string) => s.interfaces.find((i) => i.name === iface)?.groups.find((g) => g.group === group);

/** "TYPE group {sources}" for every v3 record about `group` in a capture, in order. */
async function recordsFor(file: string, group: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const f of readCaptureFile(file, { fatal: "keep" })) {
      const m = decodeFrame(f).igmp;
      if (m?.kind !== "v3-report") continue;
      for (const r of m.records) if (r.group === group) out.push(`${r.kind} ${r.group} {${[...r.sources].sort().join(",")}}`);
    }
  } catch {
    // the last record may still be being written
  }
  return out;
}

describeLive("the kernel's host-side tables through igmpkit's parsers (live)", ["python3", "tcpdump", "sysctl"], () => {
  it("counts sockets per group and interface; only the first join and the last leave go on the wire", async () => {
    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const p = await lab.netns("p");
      // Robustness 1, so that every state change is exactly one report. An interface takes igmp_qrv when
      // it is made, so this comes first.
      await lab.sysctl(h, "net.ipv4.igmp_qrv", 1);
      await lab.veth(h, p, { nameA: "eth0", nameB: "p0", addrA: "198.18.70.2/24" });
      await lab.veth(h, p, { nameA: "eth1", nameB: "p1", addrA: "198.18.71.2/24" });
      for (const i of ["eth0", "eth1"]) {
        await lab.sysctl(h, `net.ipv4.conf.${i}.igmpv3_unsolicited_report_interval`, URI_MS);
        await lab.sysctl(h, `net.ipv4.conf.${i}.force_igmp_version`, 0);
      }
      const cap = await lab.tcpdump(h, "eth0", { filter: "igmp" });
      const read = () => readKernelState({ netns: h.name });
      const G = "239.70.1.1";

      // `igmpkit kernel --watch` in the namespace, as JSON Lines.
      ensureBuiltWithKernel();
      const watch = lab.spawn(h, process.execPath, [BIN, "kernel", "--watch", "--interval", "200"]);
      const watched = () => watch.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
      await waitFor("the watch's first snapshot", () => watched()[0]?.type === "snapshot");

      const a = await holder(lab, h, "eth0", "198.18.70.2");
      const b = await holder(lab, h, "eth0", "198.18.70.2");
      await a.join(G);
      await waitFor("users 1", async () => groupOf(await read(), "eth0", G)?.users === 1);
      await waitFor("the watch saw the join", () => watched().some((e) => e.type === "group-joined" && e.interface === "eth0" && e.group === G && e.users === 1));
      await b.join(G);
      await waitFor("users 2", async () => groupOf(await read(), "eth0", G)?.users === 2);
      await sleep(4 * URI_MS);
      expect(await recordsFor(cap.file, G)).toEqual([`CHANGE_TO_EXCLUDE_MODE ${G} {}`]);

      await waitFor("the watch saw the second socket", () => watched().some((e) => e.type === "users-changed" && e.group === G && e.from === 1 && e.to === 2));
      await watch.stop("SIGINT");
      expect(watch.exitCode).toBe(0);

      await b.leave(G);
      await waitFor("users 1 again", async () => groupOf(await read(), "eth0", G)?.users === 1);
      await sleep(4 * URI_MS);
      expect(await recordsFor(cap.file, G)).toHaveLength(1);

      await a.leave(G);
      await waitFor("group gone", async () => groupOf(await read(), "eth0", G) === undefined);
      await waitFor("TO_IN {} on the wire", async () => (await recordsFor(cap.file, G)).length === 2);
      expect(await recordsFor(cap.file, G)).toEqual([`CHANGE_TO_EXCLUDE_MODE ${G} {}`, `CHANGE_TO_INCLUDE_MODE ${G} {}`]);

      // A process killed while holding a group: the kernel closes its socket and leaves for it.
      const K = "239.70.2.2";
      const c = await holder(lab, h, "eth0", "198.18.70.2");
      await c.join(K);
      await waitFor("killed process's group held", async () => groupOf(await read(), "eth0", K)?.users === 1);
      (c as unknown as { proc: { child: { kill(s: string): void } } }).proc.child.kill("SIGKILL");
      await waitFor("group gone after SIGKILL", async () => groupOf(await read(), "eth0", K) === undefined);
      await waitFor("the kernel's TO_IN {} for the dead process", async () => (await recordsFor(cap.file, K)).at(-1) === `CHANGE_TO_INCLUDE_MODE ${K} {}`);

      // The same group on two interfaces is two memberships.
      const T = "239.70.3.3";
      const d = await holder(lab, h, "eth0", "198.18.70.2");
      const e = await holder(lab, h, "eth1", "198.18.71.2");
      await d.join(T);
      await e.join(T);
      await waitFor("on both", async () => {
        const s = await read();
        return groupOf(s, "eth0", T)?.users === 1 && groupOf(s, "eth1", T)?.users === 1;
      });
      await d.leave(T);
      await waitFor("gone from eth0 only", async () => {
        const s = await read();
        return groupOf(s, "eth0", T) === undefined && groupOf(s, "eth1", T)?.users === 1;
      });

      // Source filters as mcfilter shows them, and as the kernel put them on the wire.
      const SSM = "232.70.4.4";
      const X = "239.70.5.5";
      // Apart in time: changes made within the same few ms go out merged in one report.
      for (const step of [() => a.joinSource(SSM, "198.18.70.9"), () => a.joinSource(SSM, "198.18.70.10"), () => b.join(X), () => b.block(X, "198.18.70.77")]) {
        await step();
        await sleep(2 * URI_MS);
      }
      const s = await waitFor("filters", async () => {
        const st = await read();
        return groupOf(st, "eth0", SSM)?.sources?.length === 2 && groupOf(st, "eth0", X)?.sources?.length === 1 ? st : undefined;
      });
      expect(groupOf(s, "eth0", SSM)).toMatchObject({ users: 1, mode: "include", sources: ["198.18.70.9", "198.18.70.10"] });
      expect(groupOf(s, "eth0", X)).toMatchObject({ users: 1, mode: "exclude", sources: ["198.18.70.77"], filter: [{ source: "198.18.70.77", include: 0, exclude: 1 }] });
      await waitFor("the wire's records", async () => (await recordsFor(cap.file, X)).length === 2);
      expect(await recordsFor(cap.file, SSM)).toEqual([`ALLOW_NEW_SOURCES ${SSM} {198.18.70.9}`, `ALLOW_NEW_SOURCES ${SSM} {198.18.70.10}`]);
      expect(await recordsFor(cap.file, X)).toEqual([`CHANGE_TO_EXCLUDE_MODE ${X} {}`, `BLOCK_OLD_SOURCES ${X} {198.18.70.77}`]);
      expect(s.problems).toEqual([]);

      // igmp_max_msf (10): a socket's 11th source fails with ENOBUFS, and the finding says the socket is there.
      const LIM = "232.70.6.6";
      const f = await holder(lab, h, "eth0", "198.18.70.2");
      for (let i = 1; i <= 10; i++) await f.joinSource(LIM, `198.18.70.${100 + i}`);
      await expect(f.joinSource(LIM, "198.18.70.111")).rejects.toThrow(/No buffer space/);
      const limited = await read();
      expect(groupOf(limited, "eth0", LIM)?.sources).toHaveLength(10);
      expect(kernelFindings(limited).filter((x) => x.rule === "source-limit-reached")).toMatchObject([{ interface: "eth0", group: LIM, value: 10, limit: 10 }]);
      await f.close();

      // The command prints the same state as JSON.
      const { io, out } = captureIo();
      expect(await runKernel({ netns: h.name }, io)).toBe(0);
      const printed = JSON.parse(out.stdout) as KernelState;
      expect(printed.interfaces.map((i) => [i.name, i.groups.map((g) => [g.group, g.users, g.mode, g.sources])])).toEqual(
        (await read()).interfaces.map((i) => [i.name, i.groups.map((g) => [g.group, g.users, g.mode, g.sources])]),
      );
      for (const x of [a, b, e]) await x.close();
      await cap.stop();
    });
  }, 60_000);

  it("the emulator's linux profile and the kernel end a socket script with the same groups, counts and filters", async () => {
    const I0 = { name: "eth0", ip: "198.18.72.2", mac: "02:00:c6:12:48:02" };
    const I1 = { name: "eth1", ip: "198.18.73.2", mac: "02:00:c6:12:49:02" };
    const G1 = "239.72.1.1";
    const G2 = "239.72.2.2";
    const G3 = "239.72.3.3";
    const SSM = "232.72.4.4";
    /** [process, interface, op, group, source]: each process is an igmp-host.py; it holds one socket per group and mode. */
    const SCRIPT: [string, "eth0" | "eth1", "join" | "leave" | "joinsrc" | "leavesrc" | "block" | "unblock" | "quit", string?, string?][] = [
      ["p1", "eth0", "join", G1],
      ["p2", "eth0", "join", G1],
      ["p3", "eth1", "join", G1],
      ["p1", "eth0", "joinsrc", SSM, "198.18.72.9"],
      ["p1", "eth0", "joinsrc", SSM, "198.18.72.10"],
      ["p2", "eth0", "joinsrc", SSM, "198.18.72.10"],
      ["p3", "eth1", "joinsrc", SSM, "198.18.73.11"],
      ["p4", "eth0", "join", G2],
      ["p4", "eth0", "block", G2, "198.18.72.77"],
      ["p4", "eth0", "block", G2, "198.18.72.78"],
      ["p5", "eth0", "join", G2],
      ["p5", "eth0", "block", G2, "198.18.72.77"],
      ["p4", "eth0", "unblock", G2, "198.18.72.78"],
      ["p2", "eth0", "leave", G1],
      ["p6", "eth1", "join", G3],
      ["p6", "eth1", "quit"],
      ["p2", "eth0", "leavesrc", SSM, "198.18.72.10"],
    ];

    // The emulator: one socket per (process, group, mode), as igmp-host.py holds them.
    const host = new Host({ interfaces: [I0, I1], profile: "linux", seed: 1 });
    const sockets = new Map<string, number>();
    const sock = (p: string, g: string, mode: "asm" | "ssm") => {
      const k = `${p} ${g} ${mode}`;
      if (!sockets.has(k)) sockets.set(k, host.openSocket());
      return sockets.get(k)!;
    };
    let now = 0;
    for (const [p, i, op, g, src] of SCRIPT) {
      now += 10;
      if (op === "join") host.join(now, sock(p, g!, "asm"), i, g!);
      else if (op === "leave") host.leave(now, sock(p, g!, "asm"), i, g!);
      else if (op === "joinsrc") host.joinSource(now, sock(p, g!, "ssm"), i, g!, src!);
      else if (op === "leavesrc") host.leaveSource(now, sock(p, g!, "ssm"), i, g!, src!);
      else if (op === "block") host.blockSource(now, sock(p, g!, "asm"), i, g!, src!);
      else if (op === "unblock") host.unblockSource(now, sock(p, g!, "asm"), i, g!, src!);
      else for (const [k, id] of sockets) if (k.startsWith(`${p} `) && host.socketIds().includes(id)) host.closeSocket(now, id);
    }
    const emulated = (iface: string) =>
      host
        .interfaceState(iface)
        .map((g) => ({
          group: g.group,
          users: host.socketIds().filter((id) => host.socketState(id).some((m) => m.iface === iface && m.group === g.group)).length,
          mode: g.mode,
          sources: [...g.sources].sort(),
        }))
        .sort((a, b) => a.group.localeCompare(b.group));

    await Lab.with(async (lab) => {
      const h = await lab.netns("h");
      const p = await lab.netns("p");
      await lab.veth(h, p, { nameA: "eth0", nameB: "p0", addrA: `${I0.ip}/24` });
      await lab.veth(h, p, { nameA: "eth1", nameB: "p1", addrA: `${I1.ip}/24` });
      const procs = new Map<string, KernelHost>();
      for (const [pn, i, op, g, src] of SCRIPT) {
        if (!procs.has(pn)) procs.set(pn, await holder(lab, h, i, i === "eth0" ? I0.ip : I1.ip));
        const k = procs.get(pn)!;
        if (op === "quit") await k.close();
        else await k.command([op, g, src].filter(Boolean).join(" "));
      }
      const st = await readKernelState({ netns: h.name });
      expect(st.problems).toEqual([]);
      const kernel = (iface: string) =>
        st.interfaces
          .find((i) => i.name === iface)!
          .groups.filter((g) => g.group !== "224.0.0.1")
          .map((g) => ({ group: g.group, users: g.users, mode: g.mode, sources: g.sources === null ? null : [...g.sources].sort() }))
          .sort((a, b) => a.group.localeCompare(b.group));
      for (const iface of ["eth0", "eth1"]) expect(kernel(iface)).toEqual(emulated(iface));
      // The script leaves something to compare on both interfaces, a count above 1 included (strings sorted).
      expect(kernel("eth0").map((g) => `${g.group} ${g.users} ${g.mode} ${g.sources?.join(",")}`)).toEqual([
        `${SSM} 1 include 198.18.72.10,198.18.72.9`,
        `${G1} 1 exclude `,
        `${G2} 2 exclude 198.18.72.77`,
      ]);
      expect(kernel("eth1").map((g) => `${g.group} ${g.users}`)).toEqual([`${SSM} 1`, `${G1} 1`]);
      for (const k of procs.values()) await k.close();
    });
  }, 60_000);
});
