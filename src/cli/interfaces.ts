/** `igmpkit interfaces`: the devices libpcap can capture on, with their addresses (like `tcpdump -D`). */
import { Command } from "commander";
import { isCaptureError, listInterfaces, type InterfaceInfo } from "../capture/live.js";
import { EXIT_CODES_HELP, ExitCode, type CliIo } from "./io.js";
import type { RegisterCommand } from "./io.js";

/** Prefix length of a dotted IPv4 or colon IPv6 netmask; undefined when it is not contiguous. */
export function prefixLength(netmask: string): number | undefined {
  let bits = "";
  if (netmask.includes(".")) {
    for (const p of netmask.split(".")) bits += Number(p).toString(2).padStart(8, "0");
  } else if (netmask.includes(":")) {
    const [head = "", tail = ""] = netmask.split("::");
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
    for (const g of groups) bits += parseInt(g || "0", 16).toString(2).padStart(16, "0");
  } else return undefined;
  const n = bits.indexOf("0") < 0 ? bits.length : bits.indexOf("0");
  return bits.slice(n).includes("1") ? undefined : n;
}

function formatInterface(i: number, d: InterfaceInfo): string {
  const addrs = d.addresses.map((a) => {
    const len = a.netmask ? prefixLength(a.netmask) : undefined;
    return len === undefined ? a.address : `${a.address}/${len}`;
  });
  const notes = [...(d.description ? [d.description] : []), ...(d.loopback ? ["Loopback"] : [])];
  return `${i}.${d.name}${notes.length ? ` (${notes.join(", ")})` : ""}${addrs.length ? ` ${addrs.join(" ")}` : ""}`;
}

/** Run `interfaces`; resolves to the exit status. */
export function runInterfaces(o: { json?: boolean }, io: CliIo): number {
  let list: InterfaceInfo[];
  try {
    list = listInterfaces();
  } catch (e) {
    if (!isCaptureError(e)) throw e;
    if (o.json) io.stderr.write(`${JSON.stringify({ error: e.message, code: e.code })}\n`);
    else io.stderr.write(`igmpkit interfaces: ${e.message}\n`);
    return ExitCode.failure;
  }
  if (o.json) io.stdout.write(`${JSON.stringify(list)}\n`);
  else io.stdout.write(list.map((d, i) => `${formatInterface(i + 1, d)}\n`).join(""));
  return ExitCode.ok;
}

export const register: RegisterCommand = (program, io, setExit) => {
  program.addCommand(
    new Command("interfaces")
      .description("list the interfaces that can be captured on, with their addresses (like tcpdump -D)")
      .option("--json", "one JSON array of {name, description?, addresses[{address, netmask?, broadcast?}], loopback, flags}")
      .addHelpText("after", `\n${EXIT_CODES_HELP}`)
      .action((opts: { json?: boolean }) => {
        setExit(runInterfaces(opts, io));
      }),
  );
};
