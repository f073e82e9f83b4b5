/** Lowercase hex without separators: the JSON model's form for raw bytes (aux data, bodies, extra data). */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex of `buf[start, end)`. */
export function toHex(buf: Uint8Array, start = 0, end = buf.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += HEX[buf[i]!];
  return s;
}

/** Parse lowercase or uppercase hex with an even number of digits. Throws TypeError otherwise. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError(`not a hex string: ${JSON.stringify(hex)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Byte length of a hex string, checking its form. */
export function hexLength(hex: string): number {
  if (hex.length % 2 !== 0) throw new TypeError(`not a hex string: ${JSON.stringify(hex)}`);
  return hex.length / 2;
}

/** Write hex into buf at offset; returns bytes written. */
export function writeHex(hex: string, buf: Uint8Array, offset: number): number {
  const bytes = fromHex(hex);
  buf.set(bytes, offset);
  return bytes.length;
}
