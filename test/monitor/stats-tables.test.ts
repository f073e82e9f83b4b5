/**
 * The statistics' typed tables against Maps and sorted arrays: address ids (any 32-bit key, blocks of
 * consecutive ones, growth), per-host sets of groups (regions that move when they grow, keeping their
 * numbers), and exact whole-millisecond counts (the dense range and beyond it, a host's list sorted into
 * counts when it fills, values beyond 32 bits).
 */
import { expect, it } from "vitest";
import { mulberry32 } from "../../src/host/rng";
import { AddressIds, KeyedSets, KeyedWholeMs, WholeMsCounts, type Ranked } from "../../src/monitor/stats-tables";

/** Floats in [0, 1) from a seed (the host emulator's mulberry32). */
const rng = (seed: number): (() => number) => mulberry32(seed).next;

/** Every rank of `r` against a sorted copy of `values`. */
function expectRanks(r: Ranked, values: number[]): void {
  const sorted = [...values].sort((a, b) => a - b);
  expect(r.count).toBe(sorted.length);
  expect(r.atRanks(sorted.map((_, k) => k))).toEqual(sorted);
}

it("AddressIds gives ids in order of first sight, for any 32-bit key", () => {
  const r = rng(1);
  const ids = new AddressIds();
  const want = new Map<number, number>();
  const keys = [0, 1, -1, 0x7fffffff, -0x80000000];
  for (let i = 0; i < 5000; i++) keys.push((0xef010000 + i) | 0); // a block of consecutive groups
  for (let i = 0; i < 5000; i++) keys.push((r() * 2 ** 32) | 0);
  for (const k of keys) {
    if (want.has(k)) continue;
    expect(ids.get(k)).toBe(-1);
    want.set(k, ids.add(k));
  }
  for (const [k, id] of want) expect(ids.get(k)).toBe(id);
  expect([...want.values()]).toEqual([...want.keys()].map((_, i) => i));
  expect(ids.size).toBe(want.size);
});

it("KeyedSets keeps each key's ids with their numbers through its regions' moves", () => {
  const r = rng(2);
  const sets = new KeyedSets();
  const want = new Map<number, Map<number, [number, number]>>();
  for (let i = 0; i < 20000; i++) {
    const key = Math.floor(r() * r() * 300); // some keys with hundreds of ids, most with a few
    const id = Math.floor(r() * 2000);
    const m = want.get(key) ?? want.set(key, new Map()).get(key)!;
    let slot = sets.find(key, id);
    expect(slot >= 0, `${key} ${id}`).toBe(m.has(id));
    if (slot < 0) {
      slot = sets.add(key, id);
      m.set(id, [0, 0]);
      expect(sets.slots[2 * slot + 1]).toBe(0);
      expect(sets.answered[slot]).toBe(0);
    }
    const c = Math.floor(r() * 100);
    const a = Math.floor(r() * 100);
    sets.slots[2 * slot + 1] = c;
    sets.answered[slot] = a;
    m.set(id, [c, a]);
  }
  for (const [key, m] of want) {
    for (const [id, [c, a]] of m) {
      const slot = sets.find(key, id);
      expect([sets.slots[2 * slot + 1], sets.answered[slot]]).toEqual([c, a]);
    }
    expect(sets.find(key, 5000)).toBe(-1);
  }
});

it("WholeMsCounts: exact ranks inside the dense range, below it and beyond it", () => {
  const r = rng(3);
  const c = new WholeMsCounts(4096);
  const values: number[] = [];
  for (let i = 0; i < 30000; i++) {
    const v = Math.round(r() < 0.8 ? r() * 5000 : (r() - 0.5) * 2 ** 40);
    c.add(v);
    values.push(v);
  }
  expectRanks(c, values);
});

it("KeyedWholeMs: each key's values, a key's list sorted into counts when it fills, values beyond 32 bits", () => {
  const r = rng(4);
  const k = new KeyedWholeMs();
  const want: number[][] = [];
  for (let key = 0; key < 5; key++) {
    k.addKey();
    want.push([]);
  }
  // key 0 takes more than a list holds (65,536), the others a few, some beyond 32 bits or negative
  for (let i = 0; i < 150000; i++) {
    const key = i % 3 === 0 ? Math.floor(r() * 5) : 0;
    const v = Math.round(r() < 0.99 ? r() * 10000 : (r() - 0.5) * 2 ** 36);
    k.add(key, v);
    want[key]!.push(v);
  }
  want.forEach((values, key) => expectRanks(k.of(key), values));
  // reading is no end: more values, read again
  k.add(1, 7);
  want[1]!.push(7);
  expectRanks(k.of(1), want[1]!);
  expectRanks(k.of(0), want[0]!);
});
