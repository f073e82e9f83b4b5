/** Shared by the kernel tests: the committed fixtures as a KernelState. */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kernelState, parseSysctlText, type KernelState } from "../../src/kernel/index.js";

export const KERNEL_FIXTURES = join(__dirname, "..", "..", "fixtures", "kernel");

/** A fixture file's text. */
export const fixtureText = (name: string) => readFileSync(join(KERNEL_FIXTURES, name), "utf8");

/** The host or router fixture set as one state (as readKernelState would give it). */
export function fixtureState(prefix: "host" | "router", edit: (name: string, text: string) => string = (_n, t) => t): KernelState {
  const opt = (n: string) => {
    try {
      return edit(n, fixtureText(`${prefix}-${n}.txt`));
    } catch {
      return null;
    }
  };
  return kernelState({
    igmp: opt("igmp"),
    mcfilter: opt("mcfilter") ?? "Idx Device        MCA        SRC    INC    EXC\n",
    devMcast: opt("dev_mcast"),
    ipMrVif: opt("ip_mr_vif"),
    ipMrCache: opt("ip_mr_cache"),
    sysctl: parseSysctlText(opt("sysctl") ?? "").values,
    release: "6.18.44",
  });
}

/** The built CLI (bin/igmpkit.js). */
export const BIN = join(__dirname, "..", "..", "bin", "igmpkit.js");

/** Build the CLI unless the built one already has `igmpkit kernel` and `monitor --kernel`. */
export function ensureBuiltWithKernel(): void {
  const probe = spawnSync(process.execPath, [BIN, "monitor", "--help"], { encoding: "utf8" });
  const probeKernel = spawnSync(process.execPath, [BIN, "kernel", "--help"], { encoding: "utf8" });
  if (probe.status === 0 && probe.stdout.includes("--kernel") && probeKernel.status === 0) return;
  execFileSync("npx", ["tsup"], { cwd: join(__dirname, "..", ".."), stdio: "ignore", timeout: 180_000 });
}

/**
 * An edit for {@link fixtureState}("router", ...): the (198.18.50.2, 239.60.6.6) entry of the real cache with
 * other counters (bytes follow: 60 a packet), and without rv (VIF 1) among its oifs when `towardRv` is false.
 */
export const sgEntry =
  ({ packets, wrong, towardRv = true }: { packets: number; wrong?: number; towardRv?: boolean }) =>
  (name: string, text: string): string =>
    name !== "ip_mr_cache"
      ? text
      : text.replace(/^(06063CEF 023212C6 2\s+)\d+(\s+)\d+(\s+)(\d+)\s+1:1\s*$/m, (_m, a: string, b: string, c: string, w: string) => `${a}${packets}${b}${packets * 60}${c}${wrong ?? w}${towardRv ? "  1:1" : ""}`);
