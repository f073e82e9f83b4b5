import { describe, expect, it } from "vitest";
import { GroupTable, ROW, type RowOwner } from "../../src/monitor/group-table.js";

/** A group address as the table's key (the signed 32-bit form). */
const key = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) | 0;

function fill(keys: number[]): { table: GroupTable<RowOwner>; owners: Map<number, RowOwner> } {
  const table = new GroupTable<RowOwner>();
  const owners = new Map<number, RowOwner>();
  for (const k of keys) {
    const o = { slot: -1 };
    table.insert(k, o);
    owners.set(k, o);
  }
  return { table, owners };
}

const meanProbes = (t: GroupTable<RowOwner>, keys: number[]) => keys.reduce((s, k) => s + t.probes(k), 0) / keys.length;

describe("GroupTable", () => {
  it("finds every row after growing, and forgets removed ones", () => {
    const keys = Array.from({ length: 5000 }, (_, i) => key(239, 1 + (i % 7), i >> 8, i & 255));
    const { table, owners } = fill(keys);
    for (const k of keys) {
      const r = table.find(k);
      expect(r).toBe(owners.get(k)!.slot);
      expect(table.rows[r + ROW.key]).toBe(k);
      expect(table.ownerAt(r)).toBe(owners.get(k));
    }
    for (const k of keys.slice(0, 2500)) table.remove(owners.get(k)!);
    for (const k of keys.slice(0, 2500)) expect(table.find(k)).toBe(-1);
    for (const k of keys.slice(2500)) expect(table.find(k)).toBe(owners.get(k)!.slot);
    expect(table.find(key(239, 200, 0, 1))).toBe(-1);
    // the live rows, without the removed ones' tombstones
    expect(table.live).toBe(2500);
    expect([...table.keys()].sort((a, b) => a - b)).toEqual(keys.slice(2500).sort((a, b) => a - b));
  });

  it("keeps rows inserted without an owner through growth, and gives them one later", () => {
    const table = new GroupTable<RowOwner>();
    const keys = Array.from({ length: 3000 }, (_, i) => key(239, 2, i >> 8, i & 255));
    // every third row with its owner at once, the rest without (the monitor's joining groups)
    const owners = new Map<number, RowOwner>();
    keys.forEach((k, i) => {
      const o = i % 3 === 0 ? { slot: -1 } : undefined;
      const r = table.insert(k, o);
      table.rows[r + ROW.deadline] = i;
      if (o !== undefined) {
        owners.set(k, o);
        expect(o.slot).toBe(r);
      }
    });
    expect(table.live).toBe(3000);
    for (const [i, k] of keys.entries()) {
      const r = table.find(k);
      expect(r).toBeGreaterThanOrEqual(0);
      expect(table.rows[r + ROW.deadline]).toBe(i);
      expect(table.ownerAt(r)).toBe(owners.get(k));
    }
    expect([...table.keys()].sort((a, b) => a - b)).toEqual([...keys].sort((a, b) => a - b));
    // an owner given later follows its row when the table grows again
    const late = { slot: -1 };
    table.adopt(table.find(keys[1]!), late);
    for (let i = 0; i < 5000; i++) table.insert(key(239, 3, i >> 8, i & 255), undefined);
    expect(late.slot).toBe(table.find(keys[1]!));
    expect(table.ownerAt(late.slot)).toBe(late);
    table.remove(late);
    expect(table.find(keys[1]!)).toBe(-1);
    expect(table.live).toBe(7999);
  });

  it("puts a block of consecutive groups at their home rows, each in the row after the one before", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => key(239, 1, 0, 0) + i);
    const { table, owners } = fill(keys);
    expect(meanProbes(table, keys)).toBe(1);
    // rows of 4 numbers: group i + 1 is in the next row (the prefetcher's order), but where the block wraps
    // around the end of the table
    let next = 0;
    for (let i = 1; i < keys.length; i++) if (owners.get(keys[i]!)!.slot - owners.get(keys[i - 1]!)!.slot === 4) next++;
    expect(next).toBeGreaterThanOrEqual(keys.length - 2);
  });

  it("keeps groups apart that differ only in their upper half", () => {
    const keys: number[] = [];
    for (let b = 0; b < 256; b++) for (let d = 1; d <= 64; d++) keys.push(key(239, b, 0, d));
    for (let a = 224; a < 240; a++) keys.push(key(a, 1, 1, 1));
    const { table } = fill(keys);
    expect(meanProbes(table, keys)).toBeLessThan(1.5);
  });

  it("spreads random groups as well as a random hash would", () => {
    let x = 0x12345678;
    const next = () => ((x = (Math.imul(x, 1103515245) + 12345) | 0), x);
    const keys = [...new Set(Array.from({ length: 100_000 }, () => (0xe0000000 | (next() & 0x0fffffff)) | 0))];
    const { table } = fill(keys);
    // linear probing at a load of at most 3/4 after growth to twice the live rows: about 1.5 expected
    expect(meanProbes(table, keys)).toBeLessThan(1.8);
  });
});
