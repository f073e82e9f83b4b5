/**
 * The full-screen terminal view shared by the live commands (`monitor -i`, `host -i`): the alternate
 * screen, the redraw pace, the terminal's size and lines cut to its width.
 */

/** How often a live table is redrawn at most, and at least (timers count down), ms. */
export const REDRAW_MIN_MS = 250;
export const REDRAW_MAX_MS = 1000;

const ESC = "\u001b[";
/** Alternate screen on, cursor hidden. */
export const SCREEN_ON = `${ESC}?1049h${ESC}?25l`;
/** Cursor shown, alternate screen off (the screen as it was before {@link SCREEN_ON}). */
export const SCREEN_OFF = `${ESC}?25h${ESC}?1049l`;
/** Cursor home and clear the screen: the start of every redraw. */
export const HOME_CLEAR = `${ESC}H${ESC}2J`;

/** Columns of a terminal stream; 0 or missing when the terminal does not say (a pty without a size): assume a wide one. */
export function terminalColumns(stream: unknown): number {
  return (stream as { columns?: number }).columns || 120;
}

/** Rows of a terminal stream, or undefined when it does not say. */
export function terminalRows(stream: unknown): number | undefined {
  return (stream as { rows?: number }).rows || undefined;
}

/** A line cut to `columns` characters, the cut marked with "…". */
export function cutLine(line: string, columns: number): string {
  return line.length > columns ? `${line.slice(0, Math.max(1, columns - 1))}…` : line;
}
