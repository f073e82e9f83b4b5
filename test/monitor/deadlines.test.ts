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

  it("takeDueIndexed settles numeric items in their table exactly as takeDue and the caller did (random schedules)", () => {
    // rows of 4 numbers as the monitor's group table has them: [1] the deadline, [3] the time queued at
    const D = 1;
    const Q = 3;
    const ROWS = 12;
    const op = fc.oneof(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("deadline" as const), row: fc.nat(ROWS - 1), dt: fc.integer({ min: -3000, max: 400_000 }) }) },
      // a LAN's refreshes: rows moved to now + GMI in runs, so that their entries come due and go later together
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("deadline" as const), row: fc.nat(ROWS - 1), dt: fc.constantFrom(260_000, 260_003, 259_999, 1000) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("owner" as const), owner: fc.nat(9), dt: fc.integer({ min: 0, max: 5000 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), row: fc.nat(ROWS - 1), gone: fc.boolean() }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("advance" as const), dt: fc.oneof(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 3000 })) }) },
    );
    // an owner's entry as pop() judges it: live when the owner is queued at its time
    const ownerTaken = (e: Owner, at: number, out: string[]) => {
      if (e.queuedAt !== at) return;
      e.queuedAt = Infinity;
      out.push(`o${e.id}@${at}`);
    };
    let fired = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 50, maxLength: 400 }), (ops) => {
        // two copies of everything: one driven by takeDue as the monitor's advance was, one by takeDueIndexed
        const sides = [0, 1].map(() => ({
          q: new DeadlineQueue<number | Owner>(),
          rows: new Float64Array(ROWS * 4).fill(Infinity),
          owners: Array.from({ length: 10 }, (_, id) => ({ id, queuedAt: Infinity })),
          out: [] as string[],
        }));
        let now = 1_763_700_000_000.25;
        for (const o of ops) {
          for (const [k, s] of sides.entries()) {
            if (o.kind === "deadline") {
              const r = o.row * 4;
              // (a removed row comes back as a new group's)
              if (s.rows[r + Q] !== s.rows[r + Q]) s.rows[r + Q] = Infinity;
              s.rows[r + D] = Math.max(now, now + o.dt + 0.001);
              if (s.rows[r + D]! < s.rows[r + Q]!) {
                s.rows[r + Q] = s.rows[r + D]!;
                s.q.pushAt(s.rows, r + D, r);
              }
            } else if (o.kind === "owner") s.q.schedule(s.owners[o.owner]!, now + o.dt);
            else if (o.kind === "remove") {
              // a removed group's row: its entry stale (NaN), or the row index itself gone (-1) after the table grew
              if (o.gone) s.q.push(now + 500, -1);
              s.rows[o.row * 4 + Q] = NaN;
            } else {
              const to = now + o.dt;
              if (k === 0) {
                for (let e = s.q.takeDue(to); e !== undefined; e = s.q.takeDue(to)) {
                  const at = s.q.takenAt;
                  if (typeof e !== "number") {
                    ownerTaken(e, at, s.out);
                    continue;
                  }
                  if (e < 0 || s.rows[e + Q] !== at) continue;
                  if (s.rows[e + D]! > at) {
                    s.rows[e + Q] = s.rows[e + D]!;
                    s.q.pushAt(s.rows, e + D, e);
                    continue;
                  }
                  s.rows[e + Q] = Infinity;
                  s.out.push(`r${e}@${at}`);
                }
              } else {
                for (let e = s.q.takeDueIndexed(to, s.rows, Q, D); e !== undefined; e = s.q.takeDueIndexed(to, s.rows, Q, D)) {
                  const at = s.q.takenAt;
                  if (typeof e !== "number") {
                    ownerTaken(e, at, s.out);
                    continue;
                  }
                  expect(s.rows[e + D]).toBe(at);
                  expect(s.rows[e + Q]).toBe(Infinity);
                  s.out.push(`r${e}@${at}`);
                }
              }
            }
          }
          if (o.kind === "advance") now += o.dt;
        }
        expect(sides[1]!.out).toEqual(sides[0]!.out);
        expect(sides[1]!.q.size).toBe(sides[0]!.q.size);
        expect([...sides[1]!.rows]).toEqual([...sides[0]!.rows]);
        fired += sides[0]!.out.length;
      }),
      { numRuns: 300, seed: 9 },
    );
    // the schedules fired rows and owners by the thousand, not a handful
    expect(fired).toBeGreaterThan(5000);
  });

  it("an entry queued into the second being taken at the time of entries already in it comes out after them", () => {
    const q = new DeadlineQueue<Owner>();
    const owners = Array.from({ length: 5 }, (_, id) => ({ id, queuedAt: Infinity }));
    q.schedule(owners[0]!, 100);
    q.schedule(owners[1]!, 100);
    q.schedule(owners[2]!, 100);
    q.schedule(owners[3]!, 200);
    const out = [q.pop()!.id];
    // the second is open now: due before its last entry, this one goes to the out-of-order entries
    q.schedule(owners[4]!, 100);
    while (q.peekAt() !== Infinity) out.push(q.pop()!.id);
    expect(out).toEqual([0, 1, 2, 4, 3]);
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
