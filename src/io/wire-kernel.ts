/**
 * The live half of the wire-and-kernel view: samples the kernel's multicast routing table every
 * `intervalMs` and joins it with the monitor's current snapshot ({@link WireKernelJoin}, sans-IO). Used by
 * `igmpkit monitor -i IFACE --kernel`, and by library users next to {@link watchLive}:
 *
 * ```ts
 * const live = await watchLive("rv");
 * const beside = watchKernelBeside("rv", () => live.state.snapshot(Date.now()));
 * // ... beside.view() at any moment; onEvents for the flags as they rise and clear
 * ```
 */
import type { MonitorSnapshot } from "../monitor/state.js";
import { WireKernelJoin, type SideBySide, type SideBySideEvent } from "../kernel/join.js";
import type { KernelState } from "../kernel/state.js";
import { readKernelState, type ReadKernelOptions } from "./kernel.js";

/** Options of {@link watchKernelBeside}. */
export interface KernelBesideOptions {
  /** Read the kernel of this namespace (default the current one: where the interface is). */
  netns?: string;
  /** Sampling interval, ms (default 1000). */
  intervalMs?: number;
  /** How long a disagreement must last before it is flagged, ms (default 3000). */
  graceMs?: number;
  /** The clock, ms (default Date.now); the monitor's own clock keeps both halves on one time line. */
  now?: () => number;
  /** Flags rising and clearing, with the view they came from. */
  onEvents?: (events: SideBySideEvent[], view: SideBySide) => void;
  /** A sample that could not be read (the sampling goes on). */
  onError?: (error: unknown) => void;
  /** Instead of reading /proc (tests). */
  read?: (opts: ReadKernelOptions) => Promise<KernelState>;
}

/** A running {@link watchKernelBeside}. */
export interface KernelBeside {
  /** The latest view; null before the first sample. */
  view(): SideBySide | null;
  /** The kernel state of the latest sample. */
  kernel(): KernelState | null;
  /** Take one last sample, stop, and resolve with the final view. */
  stop(): Promise<SideBySide | null>;
}

/** Sample the kernel beside a live monitor of `iface`; `wire()` gives the monitor's snapshot now. */
export function watchKernelBeside(iface: string, wire: () => MonitorSnapshot, opts: KernelBesideOptions = {}): KernelBeside {
  const join = new WireKernelJoin(iface, opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {});
  const read = opts.read ?? readKernelState;
  const now = opts.now ?? Date.now;
  const readOpts: ReadKernelOptions = opts.netns !== undefined ? { netns: opts.netns } : {};
  let view: SideBySide | null = null;
  let kernel: KernelState | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const sample = async () => {
    try {
      kernel = await read(readOpts);
      const r = join.update(now(), wire(), kernel);
      view = r.view;
      if (r.events.length > 0) opts.onEvents?.(r.events, r.view);
    } catch (e) {
      opts.onError?.(e);
    }
  };
  const loop = () => {
    if (stopped) return;
    running = sample().then(() => {
      if (!stopped) timer = setTimeout(loop, opts.intervalMs ?? 1000);
    });
  };
  loop();
  return {
    view: () => view,
    kernel: () => kernel,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
      await sample();
      return view;
    },
  };
}
