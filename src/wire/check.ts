/**
 * Checks every emitter runs on the values it writes: a field that does not fit throws `WireError`
 * `bad-value` naming the field and the value, never a `TypeError` and never a silently wrapped number.
 * Internal to the codec (not exported from igmpkit/wire).
 */
import { isIPv4, writeIPv4 } from "./address.js";
import { WireError, WireErrorCode, type WireLayer } from "./errors.js";

/** `v` is a whole number in 0..max, or throw. */
export function checkUint(layer: WireLayer, v: number, what: string, max: number, at = 0): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
    throw new WireError(layer, WireErrorCode.badValue, at, `${what} ${JSON.stringify(v) ?? String(v)} is out of range 0..${max}`);
}

/** Write the dotted quad `v` at `buf[i]`, or throw. */
export function putIPv4(layer: WireLayer, v: string, what: string, buf: Uint8Array, i: number, at = 0): void {
  if (typeof v !== "string" || !isIPv4(v)) throw new WireError(layer, WireErrorCode.badValue, at, `${what} ${JSON.stringify(v) ?? String(v)} is not an IPv4 address`);
  writeIPv4(v, buf, i);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Byte length of the hex string `v`, or throw. */
export function hexLen(layer: WireLayer, v: string, what: string, at = 0): number {
  if (typeof v !== "string" || !HEX.test(v)) throw new WireError(layer, WireErrorCode.badValue, at, `${what} ${JSON.stringify(v) ?? String(v)} is not hex bytes`);
  return v.length / 2;
}

/** Write the hex string `v` at `buf[i]`; bytes written. Throws like {@link hexLen}. */
export function putHex(layer: WireLayer, v: string, what: string, buf: Uint8Array, i: number, at = 0): number {
  const n = hexLen(layer, v, what, at);
  for (let k = 0; k < n; k++) buf[i + k] = parseInt(v.slice(2 * k, 2 * k + 2), 16);
  return n;
}
