/**
 * Colour on a terminal where it helps (error prefixes, lint severities, IGMP leaves and broken frames),
 * never when the stream is not a terminal, with NO_COLOR set (https://no-color.org) or TERM=dumb.
 */
import type { CliIo } from "./io.js";
import { safeText } from "./sanitize.js";

const SGR = { red: "31", yellow: "33", cyan: "36", boldRed: "1;31" } as const;
export type Colour = keyof typeof SGR;

/** Colouring functions for one stream; identity functions when colour is off. */
export interface Palette {
  readonly on: boolean;
  paint(colour: Colour, text: string): string;
}

/** Whether colour is wanted on a stream of this io. */
export function colourOn(io: CliIo, stream: "stdout" | "stderr"): boolean {
  const tty = stream === "stdout" ? io.stdoutIsTTY : io.stderrIsTTY;
  const noColor = io.env.NO_COLOR;
  return tty && (noColor === undefined || noColor === "") && io.env.TERM !== "dumb";
}

export function palette(io: CliIo, stream: "stdout" | "stderr"): Palette {
  const on = colourOn(io, stream);
  return { on, paint: (c, t) => (on ? `\x1b[${SGR[c]}m${t}\x1b[0m` : t) };
}

/**
 * Write an error line "igmpkit <command>: message" to stderr, the prefix in bold red on a terminal, the
 * message's lines with their control characters made visible (a file name cannot write to the terminal).
 */
export function writeError(io: CliIo, prefix: string, message: string): void {
  const text = message.split("\n").map(safeText).join("\n");
  io.stderr.write(`${palette(io, "stderr").paint("boldRed", `${prefix}:`)} ${text}\n`);
}

/** Lint's text with each severity word at the start of a rule line coloured. */
export function colourSeverities(text: string, p: Palette): string {
  if (!p.on) return text;
  return text.replace(/^(error|warning|info)(?= )/gm, (s) => p.paint(s === "error" ? "red" : s === "warning" ? "yellow" : "cyan", s));
}
