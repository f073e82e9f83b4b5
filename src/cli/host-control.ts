/**
 * `igmpkit host -i IFACE --control stdin`: the emulated hosts' sockets driven over the hook protocol of
 * `igmpkit conform --role host` (src/conform/hook.ts, as scripts/igmp-host.py speaks it for a kernel), so
 * `conform --hook 'igmpkit host -i IFACE --first-ip A --control stdin'` puts igmpkit's own host to the test.
 * One command a line on stdin, one answer a line on stdout: `ok` or `err MESSAGE`. Every host does each
 * operation (as every host does each `--join`); `quit` or the end of the input stops the run (every host
 * leaves), and `quit` is answered once the leaves are sent.
 */
import { createInterface } from "node:readline";
import { hostOpsFor, parseHookLine } from "../conform/hook.js";
import type { RealtimeDriver } from "../host/index.js";

/** The open control channel. */
export interface HostControl {
  /** The run is stopping (quit, a signal, --duration, a capture failure): commands from now on are refused. */
  stopping(): void;
  /** The hosts have stopped: answer the `quit` that stopped them, and read no more. */
  close(): void;
}

/** Read commands from `input` for the hosts of `driver`; `stop(why)` ends the run on `quit` or end of input. */
export function openHostControl(input: NodeJS.ReadableStream, output: { write(s: string): unknown }, driver: RealtimeDriver, stop: (why: string) => void): HostControl {
  let quit = false;
  let ended = false;
  let stopping = false;
  const answer = (s: string) => output.write(`${s}\n`);
  const lines = createInterface({ input, crlfDelay: Infinity, terminal: false });
  lines.on("line", (line) => {
    if (quit || ended) return;
    const r = parseHookLine(line);
    if ("blank" in r) return;
    if ("error" in r) return void answer(`err ${r.error}`);
    const c = r.command;
    if (c.op === "ping") return void answer("ok");
    if (c.op === "quit") {
      quit = true;
      return stop("quit");
    }
    // The hosts are leaving: a join now would be sent after their leaves, or never.
    if (stopping) return void answer("err the hosts are stopping");
    try {
      for (let i = 0; i < driver.emulator.hosts.length; i++) for (const op of hostOpsFor(c)) driver.op(i, op);
      answer("ok");
    } catch (e) {
      // A refused socket operation (HostError: not joined, mode conflict...) is the answer, not a crash.
      answer(`err ${(e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ")}`);
    }
  });
  lines.on("close", () => {
    if (quit || ended) return;
    ended = true;
    stop("end of control input");
  });
  return {
    stopping() {
      stopping = true;
    },
    close() {
      if (quit && !ended) answer("ok");
      ended = true;
      lines.close();
    },
  };
}
