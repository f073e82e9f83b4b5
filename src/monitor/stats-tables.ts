/**
 * The statistics' tables ({@link StatsCollector}'s, in stats.ts): addresses interned to small integers,
 * (group, host) pairs, and exact multisets of whole milliseconds for the percentiles. All in typed arrays,
 * so that a record costs a few reads and writes of numbers, nothing allocated, and the memory the
 * statistics take grows with the groups, hosts and pairs seen, not with the frames.
 */
import { addressHome, addressStep } from "./group-table.js";

/**
 * 32-bit addresses (signed form) to their order of first sight (0, 1, 2, ...): open addressing over
 * [key, id + 1] pairs (0: an empty slot; any 32-bit key is allowed, 0.0.0.0 too), placed as the monitor's
 * group table places its rows ({@link addressHome}, {@link addressStep}): consecutive addresses (a block
 * of groups, a subnet of hosts) take consecutive slots, so a LAN naming its groups in turn reads the
 * table in order.
 */
export class AddressIds {
  private slots = new Int32Array(2 * 64);
  private mask = 63;
  private bits = 6;
  /** Addresses held. */
  size = 0;

  private home(key: number): number {
    return addressHome(key, this.bits, this.mask);
  }

  private step(key: number): number {
    return addressStep(key, this.bits);
  }

  /** The id of `key`, or -1. */
  get(key: number): number {
    const s = this.slots;
    let i = this.home(key);
    if (s[2 * i] === key && s[2 * i + 1] !== 0) return s[2 * i + 1]! - 1;
    if (s[2 * i + 1] === 0) return -1;
    const step = this.step(key);
    for (;;) {
      i = (i + step) & this.mask;
      const id = s[2 * i + 1]!;
      if (id === 0) return -1;
      if (s[2 * i] === key) return id - 1;
    }
  }

  /** Give `key` (not held) the next id, and return it. */
  add(key: number): number {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const id = this.size++;
    this.place(key, id + 1);
    return id;
  }

  private place(key: number, idPlus1: number): void {
    const s = this.slots;
    const step = this.step(key);
    let i = this.home(key);
    while (s[2 * i + 1] !== 0) i = (i + step) & this.mask;
    s[2 * i] = key;
    s[2 * i + 1] = idPlus1;
  }

  private grow(): void {
    const old = this.slots;
    this.bits++;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array(2 * (this.mask + 1));
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.place(old[i]!, old[i + 1]!);
  }
}

/**
 * For each key (a host), a set of ids (the groups it reported), each with two numbers: `current` (in
 * {@link slots}, beside the id) and `answered` (apart: rarely read). A key's set is its own small
 * open-addressing region of one shared array, so a host's groups are a few neighbouring slots (a report's
 * records read one or two cache lines, where one table of all pairs was a cache miss a record). A full
 * region moves to a new one of twice the size at the end; the old one is left unused (at most as much
 * again as the live regions). A slot moves with its region: use it before the next {@link add} for its key.
 */
export class KeyedSets {
  /** Per slot: id + 1 (0: empty), current. */
  slots = new Int32Array(2 * 256);
  answered = new Int32Array(256);
  /** Slots in use or left behind. */
  private top = 0;
  /** Per key: first slot of its region, log2 of its size, ids held. */
  private meta = new Int32Array(3 * 64);

  /** The slot of `id` in the set of `key`, or -1. */
  find(key: number, id: number): number {
    const m = 3 * key;
    if (m >= this.meta.length || this.meta[m + 2] === 0) return -1;
    const at = this.meta[m]!;
    const bits = this.meta[m + 1]!;
    const mask = (1 << bits) - 1;
    const s = this.slots;
    for (let i = Math.imul(id, 0x9e3779b1) >>> (32 - bits); ; i = (i + 1) & mask) {
      const v = s[2 * (at + i)]!;
      if (v === id + 1) return at + i;
      if (v === 0) return -1;
    }
  }

  /** Add `id` (not in the set of `key`) with both numbers 0; returns its slot. */
  add(key: number, id: number): number {
    const m = 3 * key;
    if (m >= this.meta.length) {
      const b = new Int32Array(Math.max(m + 3, 2 * this.meta.length));
      b.set(this.meta);
      this.meta = b;
    }
    const n = this.meta[m + 2]!;
    if (n === 0 || (n + 1) * 2 > 1 << this.meta[m + 1]!) this.regrow(m, n === 0 ? 2 : this.meta[m + 1]! + 1);
    this.meta[m + 2] = n + 1;
    return this.place(m, id);
  }

  private place(m: number, id: number): number {
    const at = this.meta[m]!;
    const bits = this.meta[m + 1]!;
    const mask = (1 << bits) - 1;
    const s = this.slots;
    let i = Math.imul(id, 0x9e3779b1) >>> (32 - bits);
    while (s[2 * (at + i)] !== 0) i = (i + 1) & mask;
    s[2 * (at + i)] = id + 1;
    return at + i;
  }

  /** Give the key of meta index `m` a new, empty region of 2^bits slots, and move its ids there. */
  private regrow(m: number, bits: number): void {
    const size = 1 << bits;
    if (2 * (this.top + size) > this.slots.length) {
      let n = this.slots.length;
      while (2 * (this.top + size) > n) n *= 2;
      const s = new Int32Array(n);
      s.set(this.slots);
      this.slots = s;
      const a = new Int32Array(n / 2);
      a.set(this.answered);
      this.answered = a;
    }
    const oldAt = this.meta[m]!;
    const oldSize = this.meta[m + 2] === 0 ? 0 : 1 << this.meta[m + 1]!;
    this.meta[m] = this.top;
    this.meta[m + 1] = bits;
    this.top += size;
    for (let j = oldAt; j < oldAt + oldSize; j++) {
      const v = this.slots[2 * j]!;
      if (v === 0) continue;
      const k = this.place(m, v - 1);
      this.slots[2 * k + 1] = this.slots[2 * j + 1]!;
      this.answered[k] = this.answered[j]!;
    }
  }
}

/**
 * A multiset of whole milliseconds (any integer-valued double), exact: what the percentiles are taken of.
 * Every value the statistics print is `Math.round(ms) / 1000` of an order statistic, and rounding keeps
 * order, so the k-th smallest of the rounded values is the rounded k-th smallest: counting rounded values
 * loses nothing. Values from 0 up to `denseLimit` are counted in an array indexed by value (one increment
 * each); the others wait in `pending` until there are as many as distinct values held, then are sorted
 * and merged into sorted (value, count) runs. Memory grows with the distinct values, not the count.
 */
export class WholeMsCounts implements Ranked {
  count = 0;
  private dense = new Float64Array(0);
  private pending = new Float64Array(16);
  private np = 0;
  private values = new Float64Array(0);
  private counts = new Float64Array(0);
  private runs = 0;

  /** `denseLimit`: the values counted by index (0 for none: a host's few answers take less as runs). */
  constructor(private readonly denseLimit = 0) {}

  add(ms: number): void {
    this.count++;
    const d = this.dense;
    if (ms >= 0 && ms < d.length) d[ms]!++;
    else this.addOther(ms);
  }

  /** {@link add} of a value the dense counts do not hold yet. */
  private addOther(ms: number): void {
    const d = this.dense;
    if (ms >= 0 && ms < this.denseLimit) {
      let n = Math.max(1024, d.length);
      while (n <= ms) n *= 2;
      const b = new Float64Array(Math.min(n, this.denseLimit));
      b.set(d);
      this.dense = b;
      b[ms]!++;
      return;
    }
    if (this.np === this.pending.length) {
      if (this.np >= 1024 && this.np >= this.runs) this.compact();
      else {
        const b = new Float64Array(this.pending.length * 2);
        b.set(this.pending);
        this.pending = b;
      }
    }
    this.pending[this.np++] = ms + 0; // (-0 counted as 0)
  }

  /** Sort the pending values into the runs. */
  private compact(): void {
    if (this.np === 0) return;
    this.merge(this.pending.subarray(0, this.np).sort());
    this.np = 0;
  }

  /** Add the values of `p`, sorted in ascending order. */
  addSorted(p: Int32Array | Float64Array): void {
    this.count += p.length;
    this.merge(p);
  }

  /** Merge sorted `p` (counted already) into the runs. */
  private merge(p: Int32Array | Float64Array): void {
    if (p.length === 0) return;
    if (this.runs === 0) {
      let n = 1;
      for (let j = 1; j < p.length; j++) if (p[j] !== p[j - 1]) n++;
      const values = new Float64Array(n);
      const counts = new Float64Array(n);
      let k = 0;
      values[0] = p[0]!;
      for (let j = 0; j < p.length; j++) {
        if (p[j] !== values[k]) values[++k] = p[j]!;
        counts[k]!++;
      }
      this.values = values;
      this.counts = counts;
      this.runs = n;
      return;
    }
    const values = new Float64Array(this.runs + p.length);
    const counts = new Float64Array(this.runs + p.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < this.runs || j < p.length) {
      let v: number;
      let c: number;
      if (j >= p.length || (i < this.runs && this.values[i]! <= p[j]!)) {
        v = this.values[i]!;
        c = this.counts[i++]!;
      } else {
        v = p[j++]!;
        c = 1;
      }
      if (n > 0 && values[n - 1] === v) counts[n - 1]! += c;
      else {
        values[n] = v;
        counts[n++] = c;
      }
    }
    this.values = values.slice(0, n);
    this.counts = counts.slice(0, n);
    this.runs = n;
  }

  /**
   * The values at ascending 0-based ranks `ranks` (each below {@link count}), in that order. The dense
   * values lie between the runs' negative values and those from `denseLimit` up.
   */
  atRanks(ranks: readonly number[]): number[] {
    this.compact();
    const out: number[] = [];
    let k = 0;
    let seen = 0;
    const take = (v: number, c: number): void => {
      seen += c;
      while (k < ranks.length && ranks[k]! < seen) {
        out.push(v);
        k++;
      }
    };
    let i = 0;
    for (; i < this.runs && this.values[i]! < 0; i++) take(this.values[i]!, this.counts[i]!);
    const d = this.dense;
    for (let v = 0; v < d.length && k < ranks.length; v++) if (d[v]! > 0) take(v, d[v]!);
    for (; i < this.runs && k < ranks.length; i++) take(this.values[i]!, this.counts[i]!);
    return out;
  }
}

/** Values that can say which is at a given rank (0-based, in ascending order). */
export interface Ranked {
  readonly count: number;
  /** The values at ascending ranks `ranks` (each below `count`), in that order. */
  atRanks(ranks: readonly number[]): number[];
}

/** Sorted values as {@link Ranked}. */
class SortedValues implements Ranked {
  constructor(private readonly values: Int32Array) {}

  get count(): number {
    return this.values.length;
  }

  atRanks(ranks: readonly number[]): number[] {
    return ranks.map((k) => this.values[k]!);
  }
}

/**
 * Whole milliseconds for many keys (a LAN's hosts: their answers' delays), exact. Each key's values are
 * appended to a list of its own (Int32, sorted when read: the engine's typed-array sort, no code of ours
 * to warm up); a list that reaches {@link LIST_LIMIT} is sorted into the key's {@link WholeMsCounts}
 * (as are values beyond 32 bits, answers more than 24 days after their query), so memory stays within the
 * distinct values per key plus the list. The lists are regions of one shared array (as {@link KeyedSets}'
 * sets): an answer is a few reads and writes of typed arrays, no list object to reach first. A full list
 * moves to a new region of twice the size at the end; the old one is left unused (at most as much again
 * as the live lists).
 */
export class KeyedWholeMs {
  private pool = new Int32Array(1024);
  /** Pool elements in use or left behind. */
  private top = 0;
  /** Per key: first element of its list, its room, values in it. */
  private meta = new Int32Array(3 * 64);
  private keys = 0;
  private readonly spilled: (WholeMsCounts | undefined)[] = [];

  /** Keys are 0, 1, 2, ... in the order they are added. */
  addKey(): void {
    const m = 3 * this.keys++;
    if (m + 3 > this.meta.length) {
      const b = new Int32Array(2 * this.meta.length);
      b.set(this.meta);
      this.meta = b;
    }
    this.spilled.push(undefined);
  }

  add(key: number, ms: number): void {
    if ((ms | 0) !== ms) {
      this.counts(key).add(ms);
      return;
    }
    const meta = this.meta;
    const m = 3 * key;
    const f = meta[m + 2]!;
    if (f === meta[m + 1]!) {
      this.grow(m, key);
      this.pool[meta[m]! + meta[m + 2]!] = ms;
      meta[m + 2]!++;
      return;
    }
    this.pool[meta[m]! + f] = ms;
    meta[m + 2] = f + 1;
  }

  private counts(key: number): WholeMsCounts {
    return (this.spilled[key] ??= new WholeMsCounts());
  }

  /** Room for one more value in the list of key `key` (meta index `m`), which is full. */
  private grow(m: number, key: number): void {
    const meta = this.meta;
    const size = meta[m + 1]!;
    if (size >= LIST_LIMIT) {
      this.counts(key).addSorted(this.pool.subarray(meta[m]!, meta[m]! + size).sort());
      meta[m + 2] = 0;
      return;
    }
    const next = size === 0 ? 8 : 2 * size;
    if (this.top + next > this.pool.length) {
      let n = this.pool.length;
      while (this.top + next > n) n *= 2;
      const b = new Int32Array(n);
      b.set(this.pool.subarray(0, this.top));
      this.pool = b;
    }
    this.pool.copyWithin(this.top, meta[m]!, meta[m]! + meta[m + 2]!);
    meta[m] = this.top;
    meta[m + 1] = next;
    this.top += next;
  }

  /** The values of `key` so far. */
  of(key: number): Ranked {
    const m = 3 * key;
    const sorted = this.pool.subarray(this.meta[m]!, this.meta[m]! + this.meta[m + 2]!).sort();
    const spilled = this.spilled[key];
    if (spilled === undefined) return new SortedValues(sorted); // (read at once: the pool may move on the next add)
    spilled.addSorted(sorted);
    this.meta[m + 2] = 0;
    return spilled;
  }
}

/** Values in one key's list of a {@link KeyedWholeMs} before it is sorted into counts. */
const LIST_LIMIT = 1 << 16;
