/**
 * The deadlines of the state machines' timers, in time order: a timer wheel of one-second buckets (a small
 * heap orders the buckets; a bucket is sorted when it comes due). Queueing is O(1); taking the earliest
 * is O(1) amortized plus the sort of its bucket. Unlike one binary heap over every timer, the work per
 * timer does not grow with the number of timers, and it touches memory in order (a heap of 100,000 groups
 * cost a cache miss per level on every expiry check). Ties come out in queueing order, so that timers due
 * at the same instant fire in a stable order.
 *
 * Entries are never updated in place. An owner keeps the deadline it is queued at (`queuedAt`); a timer
 * moved later keeps its entry (found early, it is queued again at the new time), a timer moved earlier gets
 * a second entry and the old one is skipped when it comes out. So each owner has one live entry, and at
 * most one stale entry per lowering: the queue grows with the state, not with the frames.
 */

/** Something with timers: `queuedAt` is the deadline of its live entry (Infinity when none). */
export interface TimerOwner {
  queuedAt: number;
}

/**
 * One second of deadlines, in parallel arrays (no object per entry: entries live minutes, and would all be
 * old-generation garbage). Emptied buckets are kept for reuse with their arrays, so that a steady state
 * (a LAN refreshing its groups) allocates nothing: the arrays' growth was most of what the garbage
 * collector copied at 100,000 groups.
 */
interface Bucket<T> {
  at: Float64Array;
  item: (T | undefined)[];
  /** Entries in use: `[head, len)`. */
  len: number;
  /** Entries before `head` have been taken. */
  head: number;
  /**
   * Entries from `head` are in (at, queueing) order. Entries are appended in queueing order, so among
   * entries due at the same time a bucket's positions are their queueing order: no sequence number is kept.
   */
  sorted: boolean;
  /** Being taken from (the earliest bucket, sorted): an entry queued into it out of order goes to `late`. */
  open: boolean;
  /**
   * Entries queued into the open bucket before its last one (a timer moved later within its second, or
   * one queued again): a min-heap by (at, seq), taken from together with the sorted entries (an entry
   * goes here only when due before the bucket's last, so the sorted entries due at the same time as one
   * of these were all queued before it, and come out first). Appending
   * them would leave the bucket to be sorted again on the next look, once per such entry.
   */
  late: LateEntry<T>[];
}

interface LateEntry<T> {
  at: number;
  seq: number;
  item: T;
}

function lateLess<T>(a: LateEntry<T>, b: LateEntry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function latePush<T>(h: LateEntry<T>[], e: LateEntry<T>): void {
  let i = h.length;
  h.push(e);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!lateLess(e, h[p]!)) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = e;
}

function latePop<T>(h: LateEntry<T>[]): LateEntry<T> {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && lateLess(h[c + 1]!, h[c]!)) c++;
    if (!lateLess(h[c]!, last)) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
  return top;
}

/** The time of a non-empty bucket's earliest entry. */
function headAt<T>(b: Bucket<T>): number {
  return lateFirst(b) ? b.late[0]!.at : b.at[b.head]!;
}

/** Whether the bucket's next entry is its earliest late one rather than its sorted head. */
function lateFirst<T>(b: Bucket<T>): boolean {
  if (b.late.length === 0) return false;
  if (b.head >= b.len) return true;
  const l = b.late[0]!;
  const at = b.at[b.head]!;
  return l.at < at;
}

/** Emptied buckets kept for reuse (a few seconds' worth of the wheel's turnover). */
const SPARE_BUCKETS = 64;

/** Bucket width, ms. Protocol timers are seconds to minutes apart; a bucket holds what is due in one second. */
const BUCKET_MS = 1000;

/** Sort a bucket's entries from `head` by (at, queueing), dropping the taken ones (rare: deadlines mostly come in order). */
function sortBucket<T>(b: Bucket<T>): void {
  const n = b.len - b.head;
  const idx = Array.from({ length: n }, (_, i) => i + b.head);
  // ties by position: the queueing order (see Bucket.sorted)
  idx.sort((x, y) => b.at[x]! - b.at[y]! || x - y);
  const at = idx.map((i) => b.at[i]!);
  const item = idx.map((i) => b.item[i]);
  b.at.set(at);
  for (let i = 0; i < n; i++) b.item[i] = item[i];
  for (let i = n; i < b.len; i++) b.item[i] = undefined;
  b.len = n;
  b.head = 0;
  b.sorted = true;
}

function newBucket<T>(): Bucket<T> {
  return { at: new Float64Array(16), item: [], len: 0, head: 0, sorted: true, open: false, late: [] };
}

/**
 * The queue. Items are owners with a `queuedAt` ({@link schedule}, {@link pop}), or anything else the
 * caller keeps the queued deadline of itself ({@link push}, {@link take}; the monitor's group rows).
 */
export class DeadlineQueue<T> {
  private readonly buckets = new Map<number, Bucket<T>>();
  private readonly spare: Bucket<T>[] = [];
  /** Min-heap of the keys of non-empty buckets. */
  private readonly keys: number[] = [];
  private counter = 0;
  private count = 0;
  /** {@link push}'s deadline on its way to {@link pushAt}. */
  private readonly scratch = new Float64Array(1);
  /** The time of the entry {@link take} or {@link takeDue} took last. */
  takenAt = 0;
  /** The earliest bucket, while it is known to be (saves a map lookup per look at the head). */
  private cur: Bucket<T> | undefined;
  private curKey = Infinity;
  /**
   * The bucket queued into last, while it is in the wheel: deadlines mostly come in runs in one second
   * (a LAN's refreshes each queue a group at now + GMI), so most pushes find their bucket here instead of
   * in the map (whose keys, seconds since 1970, are beyond V8's small integers and hash as heap numbers).
   */
  private tail: Bucket<T> | undefined;
  private tailKey = NaN;

  /** Entries queued (live and stale). */
  get size(): number {
    return this.count;
  }

  /** Make sure `owner` comes out no later than `deadline` (null: nothing to queue). */
  schedule(owner: T & TimerOwner, deadline: number | null): void {
    if (deadline === null || deadline >= owner.queuedAt) return;
    owner.queuedAt = deadline;
    this.push(deadline, owner);
  }

  /** Queue `item` at `deadline`, whatever else is queued for it. */
  push(deadline: number, item: T): void {
    this.scratch[0] = deadline;
    this.pushAt(this.scratch, 0, item);
  }

  /**
   * {@link push} at the deadline `times[index]`. The hot callers' deadlines are milliseconds since 1970,
   * doubles, which V8 boxes into a fresh heap number whenever one crosses a call it did not inline: read
   * here from the array they live in (the monitor's group rows), a deadline allocates nothing. At 100,000
   * groups the wheel's turnover boxed about 10 million of them, most of the garbage collector's work.
   */
  pushAt(times: Float64Array, index: number, item: T): void {
    const deadline = times[index]!;
    const key = Math.floor(deadline / BUCKET_MS);
    let b: Bucket<T> | undefined;
    if (key === this.tailKey) b = this.tail!;
    else {
      if (key < this.curKey) this.cur = undefined;
      b = key === this.curKey && this.cur !== undefined ? this.cur : this.buckets.get(key);
      if (b === undefined) {
        b = this.spare.pop() ?? newBucket<T>();
        this.buckets.set(key, b);
        this.pushKey(key);
      }
      this.tail = b;
      this.tailKey = key;
    }
    const n = b.len;
    if (b.sorted && n > b.head && b.at[n - 1]! > deadline) {
      if (b.open) {
        latePush(b.late, { at: deadline, seq: this.counter++, item });
        this.count++;
        return;
      }
      b.sorted = false;
    }
    if (n === b.at.length) {
      const at = new Float64Array(2 * n);
      at.set(b.at);
      b.at = at;
    }
    b.at[n] = deadline;
    b.item[n] = item;
    b.len = n + 1;
    this.count++;
  }

  /** The earliest entry's time (it may be stale: see {@link pop}), or Infinity. */
  peekAt(): number {
    const b = this.first();
    return b === undefined ? Infinity : headAt(b);
  }

  /**
   * Take the earliest entry. Returns its owner when the entry is live (the owner's `queuedAt` was this
   * entry's time; it is reset to Infinity), undefined for a stale entry or an empty queue.
   */
  pop(): (T & TimerOwner) | undefined {
    const at = this.peekAt();
    if (at === Infinity) return undefined;
    const top = this.take() as T & TimerOwner;
    if (top.queuedAt !== at) return undefined;
    top.queuedAt = Infinity;
    return top;
  }

  /**
   * Take the earliest entry if it is due by `nowMs`: its item, live or not, with its time in
   * {@link takenAt}; undefined when nothing is due. (The time is left in a field rather than returned, so
   * that it is not boxed: see {@link pushAt}.)
   */
  takeDue(nowMs: number): T | undefined {
    const b = this.first();
    if (b === undefined) return undefined;
    // take() inline: this runs for every frame, and for every entry coming due (each group's once per refresh)
    if (b.late.length > 0 && lateFirst(b)) {
      if (b.late[0]!.at > nowMs) return undefined;
      this.takenAt = b.late[0]!.at;
      this.count--;
      return latePop(b.late).item;
    }
    const h = b.head;
    const at = b.at[h]!;
    if (at > nowMs) return undefined;
    this.takenAt = at;
    const top = b.item[h]!;
    b.item[h] = undefined;
    b.head = h + 1;
    this.count--;
    return top;
  }

  /**
   * {@link takeDue} for a caller that keeps the times of its numeric items in a table (the monitor's group
   * rows): an item `i` (a number) is queued at `times[i + queuedOff]` and wants to run at
   * `times[i + deadlineOff]`. Such entries are settled here, in one loop over the earliest bucket: a stale
   * one (negative, or its item queued at another time) is dropped, a live one whose deadline has moved later
   * is queued again at it (its `queuedOff` time updated), and a live one that is due is returned with its
   * `queuedOff` time reset to Infinity. Other items are returned as {@link takeDue} returns them, for the
   * caller to judge. Undefined when nothing more is due by `nowMs`. The order is {@link takeDue}'s: at
   * LAN scale each group's entry comes due once per refresh only to go later, and this loop does that for
   * each without a call or a look at the wheel's head per entry.
   */
  takeDueIndexed(nowMs: number, times: Float64Array, queuedOff: number, deadlineOff: number): T | undefined {
    // nothing due, as on most frames: small enough to be inlined into the caller's loop
    const c = this.cur;
    if (c !== undefined && c.sorted && c.head < c.len && c.late.length === 0 && c.at[c.head]! > nowMs) return undefined;
    // (the time goes by an array, not as an argument: passed, the engine made a heap number of it on every
    // call of the caller's, even when this branch was not taken)
    this.settleBy[0] = nowMs;
    return this.settleIndexed(times, queuedOff, deadlineOff);
  }

  /** {@link takeDueIndexed}'s time, for {@link settleIndexed}. */
  private readonly settleBy = new Float64Array(1);

  /** {@link takeDueIndexed} when something may be due by the time in {@link settleBy}. */
  private settleIndexed(times: Float64Array, queuedOff: number, deadlineOff: number): T | undefined {
    const nowMs = this.settleBy[0]!;
    for (;;) {
      const b = this.first();
      if (b === undefined) return undefined;
      if (b.late.length > 0) {
        // (rare: an entry queued into the open second out of order) one entry the general way
        const e = this.takeDue(nowMs);
        if (e === undefined || typeof e !== "number") return e;
        const at = this.takenAt;
        if (e < 0 || times[e + queuedOff] !== at) continue;
        if (times[e + deadlineOff]! <= at) {
          times[e + queuedOff] = Infinity;
          return e;
        }
        times[e + queuedOff] = times[e + deadlineOff]!;
        this.pushAt(times, e + deadlineOff, e);
        continue;
      }
      const ats = b.at;
      const items = b.item;
      const len = b.len;
      let h = b.head;
      while (h < len) {
        const at = ats[h]!;
        if (at > nowMs) {
          b.head = h;
          return undefined;
        }
        const e = items[h]!;
        h++;
        this.count--;
        if (typeof e !== "number") {
          items[h - 1] = undefined;
          b.head = h;
          this.takenAt = at;
          return e;
        }
        if (e < 0 || times[e + queuedOff] !== at) continue;
        if (times[e + deadlineOff]! <= at) {
          times[e + queuedOff] = Infinity;
          b.head = h;
          this.takenAt = at;
          return e;
        }
        const d = times[e + deadlineOff]!;
        times[e + queuedOff] = d;
        // pushAt's common case inline: appended to the bucket queued into last, in order, with room
        const t = this.tail;
        if (t !== b && t !== undefined && Math.floor(d / BUCKET_MS) === this.tailKey) {
          const n = t.len;
          if (n < t.at.length && (n === t.head || t.at[n - 1]! <= d)) {
            t.at[n] = d;
            t.item[n] = e;
            t.len = n + 1;
            this.count++;
            continue;
          }
        }
        b.head = h;
        this.pushAt(times, e + deadlineOff, e);
        // queued into this very second: its entries may have changed (appended, or a late one)
        if (this.tail === b) break;
      }
      b.head = h;
    }
  }

  /** The earliest entry's item without taking it (the queue must not be empty: see {@link peekAt}). */
  peek(): T {
    const b = this.first()!;
    return lateFirst(b) ? b.late[0]!.item : b.item[b.head]!;
  }

  /** Take the earliest entry's item (the queue must not be empty: see {@link peekAt}), live or not. */
  take(): T {
    const b = this.first()!;
    this.takenAt = headAt(b);
    if (lateFirst(b)) {
      this.count--;
      return latePop(b.late).item;
    }
    const top = b.item[b.head]!;
    b.item[b.head] = undefined;
    b.head++;
    this.count--;
    return top;
  }

  /** Replace every queued item by `f(item)` (the monitor's group rows move when their table grows). */
  remap(f: (item: T) => T): void {
    for (const b of this.buckets.values()) {
      for (let i = b.head; i < b.len; i++) b.item[i] = f(b.item[i]!);
      for (const l of b.late) l.item = f(l.item);
    }
  }

  /** The earliest non-empty bucket, sorted from its head; drops emptied ones. */
  private first(): Bucket<T> | undefined {
    const c = this.cur;
    if (c !== undefined && c.sorted && (c.head < c.len || c.late.length > 0)) return c;
    this.cur = undefined;
    this.curKey = Infinity;
    while (this.keys.length > 0) {
      const key = this.keys[0]!;
      const b = this.buckets.get(key)!;
      if (b.head >= b.len && b.late.length === 0) {
        this.buckets.delete(key);
        this.popKey();
        if (b === this.tail) {
          this.tail = undefined;
          this.tailKey = NaN;
        }
        if (this.spare.length < SPARE_BUCKETS) {
          b.len = 0;
          b.head = 0;
          b.sorted = true;
          b.open = false;
          this.spare.push(b);
        }
        continue;
      }
      if (!b.sorted) sortBucket(b);
      b.open = true;
      this.cur = b;
      this.curKey = key;
      return b;
    }
    return undefined;
  }

  private pushKey(k: number): void {
    const h = this.keys;
    let i = h.length;
    h.push(k);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= k) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = k;
  }

  private popKey(): void {
    const h = this.keys;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && h[c + 1]! < h[c]!) c++;
      if (last <= h[c]!) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
