/**
 * The `cap` package (the libpcap binding) loaded lazily, the devices it lists, and libpcap's error texts
 * turned into {@link CaptureError}s. `cap` is an optional native dependency: everything here throws
 * "cap-missing" with the fix when it, or libpcap, is not there.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { CAP_FIX, CaptureError, PERMISSION_FIX } from "./live-errors.js";

interface CapDevice {
  name: string;
  description?: string;
  addresses?: { addr: string; netmask?: string; broadaddr?: string; dstaddr?: string }[];
  flags?: string;
}
interface CapModule {
  Cap: { new (): unknown; deviceList(): CapDevice[] };
}

// ESM: import.meta.url; the CJS build (where esbuild empties import.meta) falls back to __filename.
const nodeRequire = createRequire((import.meta as { url?: string }).url ?? __filename);

/** Absolute path of the `cap` package's entry, or a CaptureError "cap-missing". */
export function capPath(): string {
  try {
    return nodeRequire.resolve("cap");
  } catch (e) {
    throw new CaptureError("cap-missing", `live capture needs the optional native package "cap", which is not installed (${(e as Error).message.split("\n")[0]}); fix: ${CAP_FIX}`);
  }
}

let capModule: CapModule | undefined;

/** Load `cap` (once); throws CaptureError "cap-missing" with the fix when it or libpcap is missing. */
export function loadCap(): CapModule {
  if (capModule) return capModule;
  const path = capPath();
  try {
    capModule = nodeRequire(path) as CapModule;
  } catch (e) {
    throw capLoadError((e as Error).message);
  }
  return capModule;
}

/** The error for a `cap` that is installed but cannot be loaded (its build, or libpcap, is missing). */
export function capLoadError(message: string): CaptureError {
  return new CaptureError("cap-missing", `the native package "cap" could not be loaded (${message.split("\n")[0]}); is libpcap installed and cap built? fix: ${CAP_FIX}`);
}

/** One capture device with its addresses, as libpcap lists it (like `tcpdump -D`). */
export interface InterfaceInfo {
  name: string;
  description?: string;
  addresses: { address: string; netmask?: string; broadcast?: string }[];
  loopback: boolean;
  /** libpcap's flag names (PCAP_IF_UP, PCAP_IF_RUNNING, ...). */
  flags: string[];
}

/** The devices libpcap can capture on (in the current network namespace). */
export function listInterfaces(): InterfaceInfo[] {
  const cap = loadCap();
  return cap.Cap.deviceList().map((d) => {
    const flags = (d.flags ?? "").split(/[\s|,]+/).filter(Boolean);
    return {
      name: d.name,
      ...(d.description ? { description: d.description } : {}),
      addresses: (d.addresses ?? []).map((a) => ({
        address: a.addr,
        ...(a.netmask ? { netmask: a.netmask } : {}),
        ...(a.broadaddr ? { broadcast: a.broadaddr } : {}),
      })),
      loopback: flags.includes("PCAP_IF_LOOPBACK"),
      flags,
    };
  });
}

/** Map cap's link type names (and "Unknown linktype N") to LINKTYPE_* numbers. */
export function linkTypeFromCap(name: string): number {
  switch (name) {
    case "NULL":
      return 0;
    case "ETHERNET":
      return 1;
    case "RAW":
      return 101;
    case "IEEE802_11_RADIO":
      return 127;
    case "LINKTYPE_LINUX_SLL":
      return 113;
  }
  const m = /(\d+)/.exec(name);
  // DLT_ and LINKTYPE_ values agree for everything else libpcap gives on Linux (SLL2 276, ...).
  return m ? Number(m[1]) : -1;
}

/** Turn libpcap's open error text into a typed error. */
export function classifyOpenError(iface: string, message: string, known?: string[]): CaptureError {
  const m = message.trim();
  if (/permission|Operation not permitted|EPERM|not permitted/i.test(m)) {
    return new CaptureError("not-permitted", `not permitted to capture on ${iface}: ${m}; ${PERMISSION_FIX}`, iface);
  }
  if (/No such device|doesn't exist|does not exist|no such interface/i.test(m)) {
    return noSuchInterface(iface, known);
  }
  if (
    (/syntax error|parse filter|filter expression|unknown|illegal|expression rejects|not supported|invalid|can't|unsupported/i.test(m) && /filter|syntax|expression|illegal|unknown/i.test(m)) ||
    // pcap_compile on a bad operand: "invalid IPv4 address '999.1.1.1'", "unknown host 'x'"
    /invalid IPv[46] address|unknown (host|net|port|protocol)/i.test(m)
  ) {
    return new CaptureError("bad-filter", `bad filter expression: ${m}`, iface);
  }
  return new CaptureError("open-failed", `cannot capture on ${iface}: ${m}`, iface);
}

/** "no such interface" with the list of those there are (`known`, else libpcap's list). */
export function noSuchInterface(iface: string, known?: string[]): CaptureError {
  let names = known;
  if (!names) {
    try {
      names = listInterfaces().map((d) => d.name);
    } catch {
      names = [];
    }
  }
  const list = names.length ? `; interfaces here: ${names.join(", ")}` : "";
  return new CaptureError("no-such-interface", `no such interface: ${iface}${list}`, iface);
}

/** Whether `iface` still exists in this namespace, or in `netns` (sysfs / ip; "any" always does). */
export function interfaceExists(iface: string, netns?: string): boolean {
  if (iface === "any") return true;
  if (netns !== undefined) {
    try {
      execFileSync("ip", ["-n", netns, "link", "show", "dev", iface], { stdio: "ignore", timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  }
  if (existsSync("/sys/class/net")) return existsSync(`/sys/class/net/${iface}`);
  try {
    return listInterfaces().some((d) => d.name === iface);
  } catch {
    return false;
  }
}
