/**
 * A min-heap of deadlines for the state machines' timers: push O(log n), the earliest O(1), pop O(log n).
 * Ties come out in push order, so that timers due at the same instant fire in a stable order.
 *
 * Entries are never updated in place. An owner keeps the deadline it is queued at (`queuedAt`); a timer
 * moved later keeps its entry (found early, it is queued again at the new time), a timer moved earlier gets
 * a second entry and the old one is skipped when it comes out. So each owner has one live entry, and at
 * most one stale entry per lowering: the heap grows with the state, not with the frames.
 */

/** Something with timers: `queuedAt` is the deadline of its live entry (Infinity when none). */
export interface TimerOwner {
  queuedAt: number;
}

export class DeadlineQueue<T extends TimerOwner> {
  private at: number[] = [];
  private seq: number[] = [];
  private item: T[] = [];
  private counter = 0;

  get size(): number {
    return this.item.length;
  }

  /** Make sure `owner` comes out no later than `deadline` (null: nothing to queue). */
  schedule(owner: T, deadline: number | null): void {
    if (deadline === null || deadline >= owner.queuedAt) return;
    owner.queuedAt = deadline;
    this.push(deadline, owner);
  }

  /** The earliest entry's time (it may be stale: see {@link pop}), or Infinity. */
  peekAt(): number {
    return this.at.length === 0 ? Infinity : this.at[0]!;
  }

  /**
   * Take the earliest entry. Returns its owner when the entry is live (the owner's `queuedAt` was this
   * entry's time; it is reset to Infinity), undefined for a stale entry or an empty queue.
   */
  pop(): T | undefined {
    const n = this.item.length;
    if (n === 0) return undefined;
    const at = this.at[0]!;
    const top = this.item[0]!;
    const lastAt = this.at.pop()!;
    const lastSeq = this.seq.pop()!;
    const lastItem = this.item.pop()!;
    if (n > 1) this.siftDown(lastAt, lastSeq, lastItem);
    if (top.queuedAt !== at) return undefined;
    top.queuedAt = Infinity;
    return top;
  }

  private push(t: number, owner: T): void {
    const s = this.counter++;
    let i = this.item.length;
    this.at.push(t);
    this.seq.push(s);
    this.item.push(owner);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = this.at[p]!;
      if (pa < t || (pa === t && this.seq[p]! < s)) break;
      this.at[i] = pa;
      this.seq[i] = this.seq[p]!;
      this.item[i] = this.item[p]!;
      i = p;
    }
    this.at[i] = t;
    this.seq[i] = s;
    this.item[i] = owner;
  }

  private siftDown(t: number, s: number, owner: T): void {
    const n = this.item.length;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (this.at[r]! < this.at[c]! || (this.at[r] === this.at[c] && this.seq[r]! < this.seq[c]!))) c = r;
      const ca = this.at[c]!;
      if (t < ca || (t === ca && s < this.seq[c]!)) break;
      this.at[i] = ca;
      this.seq[i] = this.seq[c]!;
      this.item[i] = this.item[c]!;
      i = c;
    }
    this.at[i] = t;
    this.seq[i] = s;
    this.item[i] = owner;
  }
}
