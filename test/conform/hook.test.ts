/**
 * The hook protocol's one reader and writer (src/conform/hook.ts), and its mapping onto an emulated host's
 * sockets, which must keep scripts/igmp-host.py's meaning: one socket per group for any-source joins and
 * another for source-specific ones, `@NAME` a socket of its own.
 */
import { describe, expect, test } from "vitest";
import { formatHookCommand, hostOpsFor, parseHookLine, type DutAction, type HookCommand } from "../../src/conform/index.js";
import { Emulator } from "../../src/host/index.js";
import { decodeFrame } from "../../src/wire/index.js";

const G = "239.1.2.3";
const S = "198.18.200.1";

describe("the hook's lines", () => {
  const every: HookCommand[] = [
    { op: "ping" },
    { op: "quit" },
    { op: "join", group: G },
    { op: "leave", group: G, socket: "b" },
    { op: "joinsrc", group: G, source: S },
    { op: "leavesrc", group: G, source: S, socket: "x1" },
    { op: "block", group: G, source: S },
    { op: "unblock", group: G, source: S, socket: "b" },
  ];

  test("every command is read back as written", () => {
    for (const c of every) expect(parseHookLine(formatHookCommand(c))).toEqual({ command: c });
    expect(every.map(formatHookCommand)).toEqual(["ping", "quit", `join ${G}`, `leave ${G} @b`, `joinsrc ${G} ${S}`, `leavesrc ${G} ${S} @x1`, `block ${G} ${S}`, `unblock ${G} ${S} @b`]);
  });

  test("blanks around words, a CR at the end and blank lines are read as igmp-host.py reads them", () => {
    expect(parseHookLine(`  join   ${G}  \r`)).toEqual({ command: { op: "join", group: G } });
    expect(parseHookLine("")).toEqual({ blank: true });
    expect(parseHookLine(" \t ")).toEqual({ blank: true });
  });

  test("a line that is not a command says why", () => {
    expect(parseHookLine("hello 239.1.1.1")).toEqual({ error: "unknown command: hello" });
    expect(parseHookLine(`join ${G} ${S}`)).toEqual({ error: "usage: join GROUP [@SOCKET]" });
    expect(parseHookLine(`joinsrc ${G}`)).toEqual({ error: "usage: joinsrc GROUP SOURCE [@SOCKET]" });
    expect(parseHookLine("leave 239.1.1")).toEqual({ error: "239.1.1 is not an IPv4 address" });
    expect(parseHookLine(`join ${G} @`)).toEqual({ error: "a socket name after @" });
    expect(parseHookLine("ping now")).toEqual({ error: "ping takes no arguments" });
  });
});

describe("hostOpsFor: the hook's sockets on an emulated host", () => {
  /**
   * Run actions 10 s apart (each state change's retransmissions over) on one emulated IGMPv3 host; returns
   * the records it sent, as "TYPE group {sources}", a retransmission counted once.
   */
  function records(actions: DutAction[]): string[] {
    const e = new Emulator({ hosts: [{ ip: "198.18.0.2", version: 3 }], seed: 1, version: 3 });
    let t = 0;
    for (const a of actions) for (const op of hostOpsFor(a)) e.op((t += 10_000), 0, op);
    e.advance(t + 10_000);
    const out: string[] = [];
    for (const f of e.drain()) {
      const m = decodeFrame({ data: f.data, linkType: 1 }).igmp;
      if (m?.kind !== "v3-report") continue;
      for (const r of m.records) {
        const line = `${r.kind} ${r.group} {${r.sources.join(",")}}`;
        if (out[out.length - 1] !== line) out.push(line);
      }
    }
    return out;
  }

  test("an any-source and a source-specific join of one group live on two sockets (Linux refuses one)", () => {
    const e = new Emulator({ hosts: [{ ip: "198.18.0.2", version: 3 }], seed: 1, version: 3 });
    const ops = [...hostOpsFor({ op: "join", group: G }), ...hostOpsFor({ op: "joinsrc", group: G, source: S })];
    expect(new Set(ops.map((o) => (o as { socket: string }).socket)).size).toBe(2);
    for (const op of ops) e.op(0, 0, op);
  });

  test("a leave closes the group's socket: the last one sends TO_IN {}, another socket keeps the group", () => {
    expect(records([{ op: "join", group: G, socket: "a" }, { op: "join", group: G, socket: "b" }, { op: "leave", group: G, socket: "b" }])).toEqual([`CHANGE_TO_EXCLUDE_MODE ${G} {}`]);
    expect(records([{ op: "join", group: G }, { op: "leave", group: G }])).toEqual([`CHANGE_TO_EXCLUDE_MODE ${G} {}`, `CHANGE_TO_INCLUDE_MODE ${G} {}`]);
  });

  test("block and unblock act on the group's any-source socket", () => {
    expect(records([{ op: "join", group: G }, { op: "block", group: G, source: S }, { op: "unblock", group: G, source: S }])).toEqual([
      `CHANGE_TO_EXCLUDE_MODE ${G} {}`,
      `BLOCK_OLD_SOURCES ${G} {${S}}`,
      `ALLOW_NEW_SOURCES ${G} {${S}}`,
    ]);
  });

  test("refusals are the host's errors, as the kernel's errnos are igmp-host.py's", () => {
    const e = new Emulator({ hosts: [{ ip: "198.18.0.2", version: 3 }], seed: 1, version: 3 });
    const run = (a: DutAction) => {
      for (const op of hostOpsFor(a)) e.op(0, 0, op);
    };
    expect(() => run({ op: "leave", group: G })).toThrow(/has not joined/);
    run({ op: "join", group: G });
    expect(() => run({ op: "join", group: G })).toThrow(/already joined/);
    expect(() => run({ op: "leavesrc", group: G, source: S })).toThrow();
  });
});
