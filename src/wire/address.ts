/** IPv4 addresses as dotted quads, the form used throughout the JSON model. */

/** Read a dotted quad from 4 bytes at `offset`. The caller has checked the bounds. */
export function readIPv4(buf: Uint8Array, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

const QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parse a dotted quad to a 32-bit unsigned number. Throws TypeError on anything else. */
export function ipv4ToNumber(addr: string): number {
  const m = QUAD.exec(addr);
  if (!m) throw new TypeError(`not an IPv4 address: ${JSON.stringify(addr)}`);
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) throw new TypeError(`not an IPv4 address: ${JSON.stringify(addr)}`);
    n = n * 256 + o;
  }
  return n;
}

/** A 32-bit unsigned number as a dotted quad. */
export function numberToIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Write a dotted quad into 4 bytes at `offset`. */
export function writeIPv4(addr: string, buf: Uint8Array, offset: number): void {
  const n = ipv4ToNumber(addr);
  buf[offset] = n >>> 24;
  buf[offset + 1] = (n >>> 16) & 255;
  buf[offset + 2] = (n >>> 8) & 255;
  buf[offset + 3] = n & 255;
}

/** True for a dotted quad that parses. */
export function isIPv4(addr: string): boolean {
  const m = QUAD.exec(addr);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/** 224.0.0.0/4 (RFC 5771). */
export function isMulticast(addr: string): boolean {
  const n = ipv4ToNumber(addr);
  return n >>> 28 === 0xe;
}

/** 224.0.0.0/24: link-local control block, never reported by hosts except where RFCs say so. */
export function isLinkLocalMulticast(addr: string): boolean {
  return (ipv4ToNumber(addr) >>> 8) === 0xe00000;
}

/** 232.0.0.0/8, the IPv4 source-specific multicast range (RFC 4607, RFC 4604). */
export function isSsm(addr: string): boolean {
  return ipv4ToNumber(addr) >>> 24 === 232;
}

/** Well-known addresses used by IGMP. */
export const IGMP_ADDRESSES = {
  allSystems: "224.0.0.1",
  allRouters: "224.0.0.2",
  allIgmpv3Routers: "224.0.0.22",
  any: "0.0.0.0",
} as const;

/**
 * Why a typed address (an option, a scenario entry) is not a canonical dotted quad, or undefined when it
 * is one. Leading zeros are refused rather than read: `010` is 8 to inet_aton and 10 elsewhere, and the
 * JSON model never writes them, so a filter spelled with them would silently match nothing.
 */
export function dottedQuadProblem(addr: string): string | undefined {
  if (!isIPv4(addr)) return "is not an IPv4 address (a dotted quad such as 239.1.2.3)";
  if (/(^|\.)0\d/.test(addr)) return `has a leading zero in an octet; write ${addr.split(".").map(Number).join(".")}`;
  return undefined;
}
