/** Helpers shared by the wire tests. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-fA-F]/g, "");
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function toHexString(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

/** Drop the checksum fields so that values built without a checksum compare with decoded ones. */
export function stripChecksum<T extends object>(m: T): Omit<T, "checksum" | "checksumValid" | "checksumExpected"> {
  const { checksum: _a, checksumValid: _b, checksumExpected: _c, ...rest } = m as T & {
    checksum?: unknown;
    checksumValid?: unknown;
    checksumExpected?: unknown;
  };
  return rest;
}
