/**
 * The hot half of the monitor's group records: an open-addressing hash table keyed by the group's 32-bit
 * address, one 32-byte row of numbers per group in a single `Float64Array`: when the group next wants to
 * run (its earliest timer), the time its timer-wheel entry is queued at, and whether a refresh may take the
 * quick path (the host, or "any of its reporters"). The common frame at LAN scale is a member refreshing a
 * group it is already in, IS_EX({}): with the row at its hash slot, that costs one cache line, where a `Map`
 * of objects cost a bucket, an entry, the record and its boxed timer (at 100,000 groups each a cache miss);
 * and when the group's wheel entry comes due, the row alone says whether it fires. The rest of a group
 * (mode, the timers one by one, sources, reporters) stays in its object.
 *
 * Rows never move except when the table grows (then every row moves, the owner's `slot` follows, and whoever
 * holds row indexes is told); a removed group leaves a tombstone until then. A row may have no owner yet (the
 * monitor makes a joining group's object only when something asks for it).
 */

/**
 * Row fields, by offset in the row (32 bytes: two rows to a cache line). `deadline` is when the group next
 * wants to run (the earliest of its timers), `queuedAt` the time its timer-wheel entry is queued at.
 */
export const ROW = Object.freeze({ key: 0, deadline: 1, quick: 2, queuedAt: 3 });
const STRIDE = 4;
/** log2 of {@link STRIDE}: a row's number from its first index by a shift (an integer, not a division's double). */
const SHIFT = 2;

/** Not an IPv4 address (those are 32-bit): "no host" in the reporter fields. */
export const NO_HOST = 2 ** 32;

/** Keys are multicast addresses (signed 32-bit form): 0 and 1 are never one. */
const EMPTY = 0;
const TOMBSTONE = 1;

/** Whether a row's key is a group's (not an empty row or a removed group's). */
function isLive(key: number): boolean {
  return key !== EMPTY && key !== TOMBSTONE;
}

/**
 * The home slot of a 32-bit address in an open-addressing table of 2^`bits` slots (`mask` = 2^bits - 1):
 * its low bits plus a Fibonacci hash of the rest (the product's top bits), wrapped. Addresses that differ
 * only in their low bits (a block of consecutive groups: an IPTV line-up, a /16 of channels; a subnet of
 * hosts) take consecutive slots in the same order, so that a LAN refreshing its groups in turn, and the
 * wheel bringing their entries due in the same turn, read the table forward, as the CPU's prefetcher
 * expects, instead of at random. At 100,000 groups a Fibonacci hash of the whole key scattered them over
 * an 8 MB table, a cache miss per refresh and per entry: `lint` took 1.9 s of CPU where it takes 1.5 s
 * with this. (An XOR of the low bits with the hash kept neighbours within a page, but visited a page's
 * rows out of order.) Addresses that differ above the low bits get unrelated offsets. Shared with the
 * statistics' address table (stats-tables.ts).
 */
export function addressHome(key: number, bits: number, mask: number): number {
  return (key + (Math.imul(key >>> bits, 0x9e3779b1) >>> (32 - bits))) & mask;
}

/**
 * The probe step after a collision at the home slot, odd (every slot is reached), from the key's upper
 * part: two blocks of addresses whose slots overlap part at once, the second block's all by the same
 * step, so they stay together and do not pile up behind the first (one slot at a time, they did).
 */
export function addressStep(key: number, bits: number): number {
  return (Math.imul(key >>> bits, 0x85ebca6b) >>> (32 - bits)) | 1;
}

/** What the table keeps for a row: its position, moved when the table grows. */
export interface RowOwner {
  /** The row's first index in {@link GroupTable.rows}. */
  slot: number;
}

/**
 * `n` empty owner slots, filled (not a dictionary: filling an array a push at a time took 20 ms of the
 * growth to 262,144 rows, `fill` a tenth of that).
 */
function ownerArray<T>(n: number): (T | undefined)[] {
  return new Array<T | undefined>(n).fill(undefined);
}

export class GroupTable<T extends RowOwner> {
  rows!: Float64Array;
  private owners!: (T | undefined)[];
  private mask!: number;
  /** Rows in use, live or tombstones. */
  private used = 0;
  /** Live rows: the groups in the table. */
  live = 0;

  /**
   * `moved` is told when the table grows, with the new first index of a row by its old one (-1 for a
   * removed group's row), for whoever holds row indexes (the monitor's timer wheel).
   */
  constructor(
    private readonly moved: (newSlotOf: (oldSlot: number) => number) => void = () => {},
    capacity = 64,
  ) {
    this.size(capacity);
  }

  /** log2 of the capacity: the low bits of a key that pick its row, the rest mixed in. */
  private bits!: number;

  /** Empty rows for `capacity` groups (a power of two). */
  private size(capacity: number): void {
    this.rows = new Float64Array(capacity * STRIDE);
    this.owners = ownerArray<T>(capacity);
    this.mask = capacity - 1;
    this.bits = Math.log2(capacity);
  }

  private hash(key: number): number {
    return addressHome(key, this.bits, this.mask);
  }

  private step(key: number): number {
    return addressStep(key, this.bits);
  }

  /** How many rows a lookup of `key` reads (1 at its home row): the table's quality, for tests. */
  probes(key: number): number {
    const rows = this.rows;
    const mask = this.mask;
    const step = this.step(key);
    let n = 1;
    for (let i = this.hash(key); rows[i * STRIDE] !== key && rows[i * STRIDE] !== EMPTY; i = (i + step) & mask) n++;
    return n;
  }

  /**
   * Read the home rows of `n` keys from `keys` ahead of their lookups (the result means nothing). At
   * 100,000 groups each row is a cache miss; read one after another, independent of each other, the misses
   * overlap in the CPU instead of waiting in turn inside each record's work.
   */
  touch(keys: ArrayLike<number>, n: number): number {
    const rows = this.rows;
    let x = 0;
    for (let k = 0; k < n; k++) x += rows[this.hash(keys[k]!) * STRIDE]!;
    return x;
  }

  /** The row of `key` (its first index), or -1. */
  find(key: number): number {
    const rows = this.rows;
    const mask = this.mask;
    let i = this.hash(key);
    let k = rows[i * STRIDE]!;
    if (k === key) return i * STRIDE;
    const step = this.step(key);
    for (;;) {
      if (k === EMPTY) return -1;
      i = (i + step) & mask;
      k = rows[i * STRIDE]!;
      if (k === key) return i * STRIDE;
    }
  }

  /**
   * Add a row for `key` (not in the table), owned by `owner` (setting its `slot`), or by none yet (see
   * {@link adopt}); returns the row's first index. Timers start at Infinity, hosts at {@link NO_HOST}.
   */
  insert(key: number, owner: T | undefined): number {
    if ((this.used + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const r = this.place(key, owner);
    const rows = this.rows;
    rows[r + ROW.deadline] = Infinity;
    rows[r + ROW.quick] = NO_HOST;
    rows[r + ROW.queuedAt] = Infinity;
    this.used++;
    this.live++;
    return r;
  }

  /** Give the row at `row` (its first index), inserted without one, its owner. */
  adopt(row: number, owner: T): void {
    this.owners[row >> SHIFT] = owner;
    owner.slot = row;
  }

  /** The keys of the live rows, in no particular order. */
  keys(): Int32Array {
    const out = new Int32Array(this.live);
    const rows = this.rows;
    let n = 0;
    for (let r = 0; r < rows.length; r += STRIDE) if (isLive(rows[r]!)) out[n++] = rows[r]!;
    return out;
  }

  /** The slot (row number: 0, 1, 2, ...) of the row whose first index is `row`. */
  slotOf(row: number): number {
    return row >> SHIFT;
  }

  /** The row (its first index) of slot `slot` ({@link slotOf}'s inverse; negative for a negative slot). */
  rowAt(slot: number): number {
    return slot << SHIFT;
  }

  /** The owner of the row at `slot` (its first index): undefined while it has none ({@link insert}). */
  ownerAt(slot: number): T | undefined {
    return this.owners[slot >> SHIFT];
  }

  /** Remove the row of `owner` (it stays a tombstone until the table grows; its queued entry is stale: NaN). */
  remove(owner: T): void {
    this.rows[owner.slot + ROW.key] = TOMBSTONE;
    this.rows[owner.slot + ROW.quick] = NO_HOST;
    this.rows[owner.slot + ROW.queuedAt] = NaN;
    this.owners[owner.slot >> SHIFT] = undefined;
    this.live--;
  }

  /** A free row for `key`, owned by `owner` (or none yet): its first index. */
  private place(key: number, owner: T | undefined): number {
    const rows = this.rows;
    const mask = this.mask;
    const step = this.step(key);
    let i = this.hash(key);
    while (rows[i * STRIDE] !== EMPTY) i = (i + step) & mask;
    const r = i * STRIDE;
    rows[r + ROW.key] = key;
    this.owners[i] = owner;
    if (owner !== undefined) owner.slot = r;
    return r;
  }

  /** Twice the room for the live rows, tombstones dropped. */
  private grow(): void {
    const old = this.rows;
    const owners = this.owners;
    const live = this.live;
    let capacity = this.mask + 1;
    while ((live + 1) * 2 > capacity) capacity *= 2;
    this.size(capacity);
    this.used = live;
    // the new first index by old row (-1: none), for `moved` (reading the owners again would be a cache miss each)
    const slotOf = new Int32Array(owners.length).fill(-1);
    for (let i = 0; i < owners.length; i++) {
      const r = i * STRIDE;
      if (!isLive(old[r + ROW.key]!)) continue;
      // field by field: a subarray per row was an object per group
      const n = this.place(old[r + ROW.key]!, owners[i]);
      for (let k = 1; k < STRIDE; k++) this.rows[n + k] = old[r + k]!;
      slotOf[i] = n;
    }
    this.moved((oldSlot) => (oldSlot < 0 ? -1 : slotOf[oldSlot >> SHIFT]!));
  }
}
