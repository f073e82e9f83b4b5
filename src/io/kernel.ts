/**
 * Reading the kernel's multicast tables: /proc/net/{igmp,mcfilter,dev_mcast,ip_mr_vif,ip_mr_cache}, the
 * IGMP sysctls under /proc/sys/net/ipv4 and the kernel release, from this network namespace or a named
 * one. This is the I/O half of src/kernel, whose pure parsers turn the text into a {@link KernelState}.
 *
 * /proc/net and /proc/sys/net show the network namespace of the process that opens them, so a namespace is
 * read by a short child process started in it (`ip netns exec NS node -e ...`, root needed); the current
 * namespace is read the same way, so both paths are one.
 */
import { execFile } from "node:child_process";
import { endianness } from "node:os";
import { kernelState, type KernelState, type KernelTexts } from "../kernel/state.js";
import type { KernelProblem } from "../kernel/proc.js";

/** Codes of {@link KernelReadError}. */
export type KernelReadErrorCode = "no-such-netns" | "not-permitted" | "failed";

/** The namespace could not be read at all (no partial state to show). */
export class KernelReadError extends Error {
  override readonly name = "KernelReadError";
  constructor(
    readonly code: KernelReadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** True for a {@link KernelReadError}, also across duplicate package copies. */
export function isKernelReadError(e: unknown): e is KernelReadError {
  return e instanceof Error && e.name === "KernelReadError" && typeof (e as { code?: unknown }).code === "string";
}

/** Options of {@link readKernelState}. */
export interface ReadKernelOptions {
  /** A named network namespace (`ip netns`); default the current one. */
  netns?: string;
  /** Give up after this long, ms (default 10 000). */
  timeoutMs?: number;
}

const PROC_FILES = {
  igmp: "/proc/net/igmp",
  mcfilter: "/proc/net/mcfilter",
  devMcast: "/proc/net/dev_mcast",
  ipMrVif: "/proc/net/ip_mr_vif",
  ipMrCache: "/proc/net/ip_mr_cache",
} as const;

/** Files whose absence means a kernel without that feature (CONFIG_IP_MROUTE), not a problem. */
const OPTIONAL = new Set<string>([PROC_FILES.ipMrVif, PROC_FILES.ipMrCache]);

/**
 * The reader, run as `node -e` in the namespace: every file read in one go and printed as one JSON object
 * ({files: {path: {text} | {error}}, sysctl: {dotted.key: value}}). Plain JavaScript in a string so that
 * the child needs nothing of this package.
 */
const READER_JS = `
const fs = require("fs");
const read = (p) => { try { return { text: fs.readFileSync(p, "utf8") }; } catch (e) { return { error: e.code || String(e) }; } };
const out = { files: {}, sysctl: {} };
for (const f of ${JSON.stringify([...Object.values(PROC_FILES), "/proc/sys/kernel/osrelease"])}) out.files[f] = read(f);
for (const k of ["igmp_max_memberships", "igmp_max_msf", "igmp_qrv", "igmp_link_local_mcast_reports"]) {
  const v = read("/proc/sys/net/ipv4/" + k);
  if (v.text !== undefined) out.sysctl["net.ipv4." + k] = v.text.trim();
}
let ifs = [];
try { ifs = fs.readdirSync("/proc/sys/net/ipv4/conf"); } catch (e) { out.confError = e.code || String(e); }
for (const i of ifs) {
  for (const k of ["force_igmp_version", "igmpv2_unsolicited_report_interval", "igmpv3_unsolicited_report_interval", "mc_forwarding"]) {
    const v = read("/proc/sys/net/ipv4/conf/" + i + "/" + k);
    if (v.text !== undefined) out.sysctl["net.ipv4.conf." + i + "." + k] = v.text.trim();
  }
}
process.stdout.write(JSON.stringify(out));
`;

interface ReaderOutput {
  files: Record<string, { text?: string; error?: string }>;
  sysctl: Record<string, string>;
  confError?: string;
}

function runReader(opts: ReadKernelOptions): Promise<ReaderOutput> {
  const [cmd, args] =
    opts.netns !== undefined ? ["ip", ["netns", "exec", opts.netns, process.execPath, "-e", READER_JS]] : [process.execPath, ["-e", READER_JS]];
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const msg = String(stderr).trim() || err.message;
        if (opts.netns !== undefined && /Cannot open network namespace|No such file/i.test(msg))
          reject(new KernelReadError("no-such-netns", `no network namespace "${opts.netns}" (ip netns list shows the names)`));
        else if (/Operation not permitted|Permission denied/i.test(msg))
          reject(new KernelReadError("not-permitted", `reading another network namespace needs root: ${msg}`));
        else reject(new KernelReadError("failed", `could not read the kernel's tables: ${msg}`));
        return;
      }
      try {
        resolve(JSON.parse(String(stdout)) as ReaderOutput);
      } catch {
        reject(new KernelReadError("failed", `the reader printed no JSON: ${String(stdout).slice(0, 200)}`));
      }
    });
  });
}

/** The raw texts of a namespace, for {@link kernelState} (or to save as fixtures). */
export async function readKernelTexts(opts: ReadKernelOptions = {}): Promise<KernelTexts> {
  const out = await runReader(opts);
  const problems: KernelProblem[] = [];
  const text = (path: string): string | null => {
    const f = out.files[path];
    if (f?.text !== undefined) return f.text;
    if (!(OPTIONAL.has(path) && f?.error === "ENOENT")) problems.push({ file: path, line: 0, text: "", message: `could not be read (${f?.error ?? "no answer"})` });
    return null;
  };
  if (out.confError) problems.push({ file: "/proc/sys/net/ipv4/conf", line: 0, text: "", message: `could not be listed (${out.confError})` });
  return {
    igmp: text(PROC_FILES.igmp),
    mcfilter: text(PROC_FILES.mcfilter),
    devMcast: text(PROC_FILES.devMcast),
    ipMrVif: text(PROC_FILES.ipMrVif),
    ipMrCache: text(PROC_FILES.ipMrCache),
    sysctl: new Map(Object.entries(out.sysctl)),
    release: out.files["/proc/sys/kernel/osrelease"]?.text?.trim() ?? null,
    byteOrder: endianness(),
    problems,
  };
}

/**
 * The kernel's multicast state in this namespace or `netns`: groups with socket counts and source filters
 * per interface, IGMP sysctls, VIFs and the forwarding cache. Throws {@link KernelReadError} when the
 * namespace cannot be read at all; files that cannot be read are listed in `problems`.
 */
export async function readKernelState(opts: ReadKernelOptions = {}): Promise<KernelState> {
  return kernelState(await readKernelTexts(opts));
}
