/**
 * The one sanitiser of text output. Every string that comes from input (pcapng interface names and
 * options, scenario keys and host names, file and interface names, messages that quote them) goes
 * through {@link safeText} before it is written as text, so a crafted capture cannot retitle, clear or
 * rewrite the terminal (OSC, CSI, `\r`, hidden text) or reorder what is shown (bidi controls).
 * JSON output does not use it: JSON.stringify escapes control characters and keeps the exact value.
 */

/** C0 and C1 controls, DEL, the backslash (so an escape cannot be forged), and invisible reordering marks. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\\\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  if (c === "\\") return "\\\\";
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
}

/** `s` with every control or reordering character written as a visible escape (`\x1b`, `\u202e`). */
export function safeText(s: string): string {
  return s.replace(UNSAFE, escape);
}
