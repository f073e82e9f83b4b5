/**
 * A small seeded pseudo-random generator (mulberry32), so that the host machine is deterministic:
 * the same seed and the same inputs give the same output, byte for byte. Not for cryptography.
 */

/** What the host machine needs of randomness. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n) for n >= 1 (0 when n <= 0). */
  below(n: number): number;
}

/** mulberry32: 32 bits of state, period 2^32, good enough for timer jitter. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below(n: number): number {
      return n <= 0 ? 0 : Math.floor(next() * n);
    },
  };
}

/** A well-mixed seed for the `index`-th member of a family (one per emulated host), from one seed. */
export function deriveSeed(seed: number, index: number): number {
  let z = (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}
