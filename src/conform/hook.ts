/**
 * The DUT hook's line protocol (role host): the runner writes one command a line on the hook's standard
 * input and reads one line back, `ok` or `err MESSAGE`.
 *
 * ```
 * join G            any-source join (EXCLUDE {})          leave G           drop it (and close its socket)
 * joinsrc G S       source-specific join (INCLUDE {S})    leavesrc G S      drop one source
 * block G S         block S on the any-source join of G   unblock G S       unblock it
 * ping              answers ok                            quit              close every socket, answer ok, exit
 * ```
 * Any socket command may end with `@NAME`: the socket named NAME, so two sockets of one process can hold
 * the same group. Without it, each group has one socket for its any-source join and another for its
 * source-specific joins (Linux refuses to mix the two modes on one socket). `scripts/igmp-host.py` speaks
 * this for the Linux kernel, `igmpkit host -i IFACE --control stdin` for igmpkit's emulated host; this
 * module is the one place that writes and reads the lines, and maps them onto an emulated host's sockets.
 */
import type { HostOp } from "../host/index.js";
import { isIPv4 } from "../wire/index.js";
import type { DutAction } from "./types.js";

/** A line of the protocol: a socket operation, or `ping` / `quit`. */
export type HookCommand = DutAction | { op: "ping" } | { op: "quit" };

/** The reading of one line: a command, a blank line (no answer is due), or why the line is refused. */
export type HookLine = { command: HookCommand } | { blank: true } | { error: string };

const TWO_ADDRESSES = new Set(["joinsrc", "leavesrc", "block", "unblock"]);

/** The line for `c` (without the newline). */
export function formatHookCommand(c: HookCommand): string {
  if (c.op === "ping" || c.op === "quit") return c.op;
  return [c.op, c.group, ...("source" in c ? [c.source] : []), ...(c.socket !== undefined ? [`@${c.socket}`] : [])].join(" ");
}

/** Read one line (its newline, if any, and surrounding blanks ignored). */
export function parseHookLine(line: string): HookLine {
  const words = line.trim().split(/\s+/).filter((w) => w !== "");
  if (words.length === 0) return { blank: true };
  const [op, ...rest] = words as [string, ...string[]];
  let socket: string | undefined;
  if (rest.length > 0 && rest[rest.length - 1]!.startsWith("@")) {
    socket = rest.pop()!.slice(1);
    if (socket === "") return { error: "a socket name after @" };
  }
  if (op === "ping" || op === "quit") {
    if (rest.length > 0 || socket !== undefined) return { error: `${op} takes no arguments` };
    return { command: { op } };
  }
  const two = TWO_ADDRESSES.has(op);
  if (!two && op !== "join" && op !== "leave") return { error: `unknown command: ${op}` };
  if (rest.length !== (two ? 2 : 1)) return { error: `usage: ${op} GROUP${two ? " SOURCE" : ""} [@SOCKET]` };
  for (const a of rest) if (!isIPv4(a)) return { error: `${a} is not an IPv4 address` };
  const at = socket !== undefined ? { socket } : {};
  if (two) return { command: { op: op as "joinsrc" | "leavesrc" | "block" | "unblock", group: rest[0]!, source: rest[1]!, ...at } };
  return { command: { op: op as "join" | "leave", group: rest[0]!, ...at } };
}

/**
 * The operations on an emulated host (src/host) that carry out `a` as scripts/igmp-host.py does on a
 * kernel: any-source joins (and their blocks) on one socket per group, source-specific joins on another,
 * `@NAME` naming a socket of its own; a leave closes the any-source socket.
 */
export function hostOpsFor(a: DutAction): HostOp[] {
  const tag = a.socket !== undefined ? `@${a.socket}` : "";
  const anySource = `any ${a.group}${tag}`;
  const specific = `src ${a.group}${tag}`;
  switch (a.op) {
    case "join":
      return [{ op: "join", group: a.group, socket: anySource }];
    case "leave":
      return [
        { op: "leave", group: a.group, socket: anySource },
        { op: "closeSocket", socket: anySource },
      ];
    case "joinsrc":
      return [{ op: "joinSource", group: a.group, source: a.source, socket: specific }];
    case "leavesrc":
      return [{ op: "leaveSource", group: a.group, source: a.source, socket: specific }];
    case "block":
      return [{ op: "blockSource", group: a.group, source: a.source, socket: anySource }];
    case "unblock":
      return [{ op: "unblockSource", group: a.group, source: a.source, socket: anySource }];
  }
}
