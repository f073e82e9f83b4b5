/**
 * The one contract every codec keeps (dns-packet's encode/decode/encodingLength, with an offset):
 * - `length(x)` equals the bytes `emit(x, buf, offset)` writes;
 * - `parse(emit(x))` gives `x` back;
 * - emitting at an offset inside a larger buffer writes the same bytes there and nothing around them,
 *   and parsing at that offset gives `x` again;
 * - every proper prefix of every fixture (real frames where there are some) fails with the codec's
 *   typed truncation error, never anything else and never a throw.
 */
import fc from "fast-check";
import { expect } from "vitest";

export interface Parsed<T> {
  /** The value read, or undefined when none could be. */
  value?: T;
  /** The typed error codes the parser gave. */
  errors: string[];
}

export interface CodecContract<T> {
  name: string;
  values: fc.Arbitrary<T>;
  length(x: T): number;
  emit(x: T, buf: Uint8Array, offset: number): number;
  /** Parse the `len` bytes at `offset`; `declared` is the whole encoding's length where the codec is told it. */
  parse(buf: Uint8Array, offset: number, len: number, declared: number): Parsed<T>;
  /** Whole encodings to cut (real captures where there are some). */
  fixtures: Uint8Array[];
  /** The code of the codec's truncation error. */
  truncation: string;
  /** Values as they should compare after a round trip (defaults to themselves). */
  normalize?(x: T): unknown;
  numRuns?: number;
  /** The shortest prefix that must be a truncation (1 for records, where no bytes is no record). */
  minCut?: number;
}

export function checkContract<T>(c: CodecContract<T>): void {
  const norm = c.normalize ?? ((x: T): unknown => x);
  fc.assert(
    fc.property(c.values, fc.nat(13), fc.nat(7), (x, before, after) => {
      const n = c.length(x);
      const alone = new Uint8Array(n);
      expect(c.emit(x, alone, 0), `${c.name}: length() vs bytes written`).toBe(n);
      const back = c.parse(alone, 0, n, n);
      expect(back.errors, `${c.name}: parse(emit(x)) errors`).toEqual([]);
      expect(norm(back.value as T), `${c.name}: parse(emit(x))`).toEqual(norm(x));
      const big = new Uint8Array(before + n + after).fill(0xa5);
      expect(c.emit(x, big, before), `${c.name}: bytes written at an offset`).toBe(n);
      expect(Array.from(big.subarray(before, before + n)), `${c.name}: bytes at an offset`).toEqual(Array.from(alone));
      expect(big.subarray(0, before).every((b) => b === 0xa5) && big.subarray(before + n).every((b) => b === 0xa5), `${c.name}: bytes around`).toBe(true);
      expect(norm(c.parse(big, before, n, n).value as T), `${c.name}: parse at an offset`).toEqual(norm(x));
    }),
    { numRuns: c.numRuns ?? 500 },
  );
  expect(c.fixtures.length, `${c.name}: fixtures`).toBeGreaterThan(0);
  for (const f of c.fixtures) {
    expect(c.parse(f, 0, f.length, f.length).errors, `${c.name}: a whole fixture parses`).toEqual([]);
    for (let cut = c.minCut ?? 0; cut < f.length; cut++) {
      const r = c.parse(f, 0, cut, f.length);
      expect(r.errors.length > 0 && r.errors.every((e) => e === c.truncation), `${c.name}: a ${cut}-byte prefix of a ${f.length}-byte fixture gives ${JSON.stringify(r.errors)}`).toBe(true);
    }
  }
}
