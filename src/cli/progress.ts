/** A one-line progress bar on stderr, only ever used when stderr is a terminal and stdout is not on it. */
import type { CliIo } from "./io.js";

const WIDTH = 30;

export class Progress {
  /**
   * Whether a bar may be drawn: stderr is a terminal that is not also where the output goes (on one
   * terminal the bar and the lines would interleave; the lines themselves show the progress there).
   */
  static allowed(io: CliIo): boolean {
    return io.stderrIsTTY && !(io.stdoutIsTTY && io.sameTerminal !== false);
  }

  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** Redraw at most ten times a second. */
  update(done: number, frames: number): void {
    const now = Date.now();
    if (now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const filled = Math.round(frac * WIDTH);
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? frames / secs : 0;
    const eta = frac > 0 ? secs / frac - secs : 0;
    const bar = `${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}`;
    this.io.stderr.write(
      `\r${this.label} [${bar}] ${(frac * 100).toFixed(1)}% ${frames} frames ${Math.round(rate)}/s eta ${Math.ceil(eta)}s\x1b[K`,
    );
  }

  clear(): void {
    if (this.lastDraw > 0) this.io.stderr.write("\r\x1b[K");
  }
}
