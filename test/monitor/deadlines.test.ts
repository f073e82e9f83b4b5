// The timer wheel against a plain reference: random schedules (later, earlier, ties, many seconds apart so
// that emptied buckets are reused) and takes; the live entries must come out in (time, queueing) order.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeadlineQueue, type TimerOwner } from "../../src/monitor/deadlines.js";

interface Owner extends TimerOwner {
  id: number;
}

describe("DeadlineQueue", () => {
  it("gives live entries in (time, queueing) order, whatever the schedule", () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("schedule" as const), owner: fc.nat(30), at: fc.integer({ min: 0, max: 200_000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("tie" as const), owner: fc.nat(30) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("pop" as const), n: fc.integer({ min: 1, max: 20 }) }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new DeadlineQueue<Owner>();
        const owners = Array.from({ length: 31 }, (_, id) => ({ id, queuedAt: Infinity }));
        // reference: each owner's live deadline and the order it was queued at that deadline
        const live = new Map<number, { at: number; seq: number }>();
        let seq = 0;
        let last = 0;
        let floor = 0;
        const schedule = (id: number, at: number) => {
          const cur = live.get(id);
          if (cur !== undefined && at >= cur.at) return;
          live.set(id, { at, seq: seq++ });
          q.schedule(owners[id]!, at);
        };
        for (const o of ops) {
          if (o.kind === "schedule") schedule(o.owner, Math.max(floor, o.at));
          else if (o.kind === "tie") schedule(o.owner, Math.max(floor, last));
          else {
            for (let k = 0; k < o.n; k++) {
              const next = [...live].sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq)[0];
              let got: Owner | undefined;
              while (q.peekAt() !== Infinity && (got = q.pop()) === undefined);
              if (next === undefined) {
                expect(got).toBeUndefined();
                break;
              }
              expect(got?.id).toBe(next[0]);
              live.delete(next[0]);
              last = next[1].at;
              floor = last;
            }
          }
        }
      }),
      { numRuns: 300, seed: 9 },
    );
  });

  it.each(["pop", "takeDue"] as const)("entries queued into the second being taken, before its last, come out in order with it (%s)", (how) => {
    const q = new DeadlineQueue<Owner>();
    const owners = Array.from({ length: 1000 }, (_, id) => ({ id, queuedAt: Infinity }));
    // 500 owners in one second, at even milliseconds
    for (let i = 0; i < 500; i++) q.schedule(owners[i]!, 2 * i);
    const out: number[] = [];
    const popOne = () => {
      for (;;) {
        if (how === "pop") {
          const o = q.pop();
          if (o !== undefined) return out.push(o.id);
          continue;
        }
        // as the monitor's advance takes them: the item, live or stale, and its time
        const o = q.takeDue(Infinity)!;
        if (o.queuedAt !== q.takenAt) continue;
        o.queuedAt = Infinity;
        return out.push(o.id);
      }
    };
    for (let k = 0; k < 100; k++) popOne();
    // then, while it is taken from, 500 more at odd milliseconds in reverse (each before the second's last)
    for (let i = 499; i >= 100; i--) q.schedule(owners[500 + i]!, 2 * i + 1);
    // and one of the first 500 moved earlier within the second (a second entry; the old one goes stale)
    q.schedule(owners[400]!, 301);
    while (q.peekAt() !== Infinity) popOne();
    const time = (id: number) => (id === 400 ? 301 : id < 500 ? 2 * id : 2 * (id - 500) + 1);
    expect(out).toHaveLength(900);
    expect(out.map(time)).toEqual([...out.map(time)].sort((a, b) => a - b));
    // owner 400 at 301 ms comes after owner 650's entry at 301 ms: ties in queueing order
    expect(out.indexOf(400)).toBe(out.indexOf(650) + 1);
    expect(q.size).toBe(0);
  });

  it("reuses emptied buckets without losing or repeating an entry", () => {
    const q = new DeadlineQueue<Owner>();
    const owners = Array.from({ length: 500 }, (_, id) => ({ id, queuedAt: Infinity }));
    const out: number[] = [];
    for (let round = 0; round < 200; round++) {
      for (const o of owners) q.schedule(o, round * 1000 + o.id);
      for (;;) {
        if (q.peekAt() === Infinity) break;
        const o = q.pop();
        if (o !== undefined) out.push(round * 1000 + o.id);
      }
    }
    expect(out).toEqual(Array.from({ length: 200 * 500 }, (_, i) => Math.floor(i / 500) * 1000 + (i % 500)));
    expect(q.size).toBe(0);
  });
});
