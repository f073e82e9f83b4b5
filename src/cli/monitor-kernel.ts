/**
 * `monitor -i IFACE --kernel`: the kernel's forwarding toward IFACE beside the router's-eye view from the
 * wire (src/kernel/join.ts does the joining, src/io/wire-kernel.ts the sampling). This file is the
 * command's glue: events as JSON Lines or text, the extra table on the live screen, the final view.
 */
import type { SideBySide, SideBySideEntry, SideBySideEvent } from "../kernel/join.js";
import { watchKernelBeside, type KernelBesideOptions } from "../io/wire-kernel.js";
import { formatTimeMs } from "../monitor/message.js";
import type { MonitorSnapshot } from "../monitor/state.js";
import type { CliIo } from "./io.js";
import { formatColumns } from "./kernel.js";

/** What `monitor` calls. */
export interface MonitorKernelHook {
  /** Lines to show under the live table. */
  screenLines(): string[];
  /** Stop sampling and print the final side-by-side view (a JSON line, or a table). */
  finish(): Promise<void>;
}

const RECENT = 4;

/** An event as one JSON object in the monitor's style (`time` as decimal seconds). */
function eventJson(e: SideBySideEvent): Record<string, unknown> {
  const { timeMs, ...rest } = e;
  return { ...rest, time: formatTimeMs(timeMs), frame: null };
}

/** An event as a line of text. */
export function formatSideBySideEvent(e: SideBySideEvent): string {
  const what = e.type === "kernel-disagreement" ? `disagreement ${e.flag}` : `agreement again (${e.flag} cleared)`;
  return `${new Date(e.timeMs).toISOString()} kernel ${what} (${e.origin}, ${e.group})`;
}

/** Start sampling the kernel beside the monitor of `iface`. */
export function monitorKernelHook(
  iface: string,
  wire: () => MonitorSnapshot,
  now: () => number,
  json: boolean,
  io: CliIo,
  extra: Pick<KernelBesideOptions, "read" | "intervalMs" | "graceMs"> = {},
): MonitorKernelHook {
  const recent: string[] = [];
  let warned = false;
  const beside = watchKernelBeside(iface, wire, {
    ...extra,
    now,
    onEvents: (events) => {
      if (json) io.stdout.write(events.map((e) => `${JSON.stringify(eventJson(e))}\n`).join(""));
      else recent.push(...events.map(formatSideBySideEvent));
      recent.splice(0, Math.max(0, recent.length - RECENT));
    },
    onError: (e) => {
      if (warned) return;
      warned = true;
      const msg = `the kernel's tables could not be read: ${e instanceof Error ? e.message : String(e)}`;
      io.stderr.write(json ? `${JSON.stringify({ interface: iface, warning: msg })}\n` : `igmpkit monitor: ${msg}\n`);
    },
  });
  const lines = (v: SideBySide | null) => (v === null ? ["kernel: no sample yet"] : formatSideBySide(v));
  return {
    screenLines: () => ["", ...lines(beside.view()), ...(recent.length > 0 ? ["", ...recent] : [])],
    async finish() {
      const v = await beside.stop();
      if (json) io.stdout.write(`${JSON.stringify({ type: "kernel-side-by-side", time: formatTimeMs(now()), ...(v ?? { interface: iface, vif: null, routingActive: null, rows: [], disagreements: [] }), complete: v !== null })}\n`);
      else io.stdout.write(`${lines(v).join("\n")}\n\n`);
    },
  };
}

/** The view as text lines: a table of groups, wire half and kernel half, with flags. */
export function formatSideBySide(v: SideBySide): string[] {
  const head = `kernel: ${v.interface} is ${v.vif === null ? "not a VIF" : `VIF ${v.vif}`}; multicast routing ${v.routingActive === null ? "?" : v.routingActive ? "active" : "inactive"}`;
  const rows: string[][] = [["GROUP", "WIRE (LAN MEMBERSHIP)", `KERNEL TOWARD ${v.interface}`, "ARRIVING, NOT FORWARDED THERE", "FLAG"]];
  for (const r of v.rows) {
    const wire = r.wire === null ? "no members" : `${r.wire.mode} ${r.wire.sources.map((s) => (s.forwarding ? s.source : `!${s.source}`)).join(" ") || "{}"}`;
    const pk = (e: SideBySideEntry) => `${e.origin} ${e.unresolved ? "unresolved" : `${e.packets} pkts${e.packetsDelta !== null ? ` (+${e.packetsDelta})` : ""}`}`;
    const toward = r.kernel.filter((e) => e.towardLan).map(pk).join(", ") || "-";
    const elsewhere = r.kernel.filter((e) => !e.towardLan).map(pk).join(", ") || "-";
    const flags = [...new Set(r.kernel.map((e) => e.flag).filter((f) => f !== null))].join(" ") || (r.wire !== null || r.kernel.length > 0 ? "agree" : "");
    rows.push([r.group, wire, toward, elsewhere, flags]);
  }
  return [head, ...formatColumns(rows)];
}
