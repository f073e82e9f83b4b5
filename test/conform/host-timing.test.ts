/**
 * How the host cases judge time: by the wire time of an answer, waiting a little past the deadline for
 * answers the runner's capture has not delivered yet, and naming a late answer in the verdict. A scripted
 * DUT on a virtual clock answers every General Query a fixed time after it, and its frames reach the
 * runner a fixed lag after they were on the wire (as a loaded capture delivers them).
 */
import { describe, expect, test } from "vitest";
import { defaultSettings, hostCases, runConformance, type ConformEnv, type DutAction, type LanFrame } from "../../src/conform/index.js";
import { macForIp } from "../../src/host/index.js";
import { decodeFrame, encodeIgmpFrame, v3Report } from "../../src/wire/index.js";

class ScriptedDut implements ConformEnv {
  readonly self = { ip: "198.18.0.1", mac: macForIp("198.18.0.1") };
  readonly dut = "198.18.0.2";
  readonly canAct = true;
  private readonly all: LanFrame[] = [];
  private readonly due: { at: number; data: Uint8Array }[] = [];
  private readonly groups = new Set<string>();
  private t = 0;
  private caseId: string | null = null;

  /** Answers `answerMs` after each General Query; the runner sees each frame of the DUT `lagMs` after it. */
  constructor(
    private readonly answerMs: number,
    private readonly lagMs: number,
  ) {}

  /** What the runner has been delivered: every frame in order up to the first still on its way. */
  get frames(): readonly LanFrame[] {
    const k = this.all.findIndex((f) => !f.sent && f.timeMs + this.lagMs > this.t);
    return k < 0 ? this.all : this.all.slice(0, k);
  }

  now(): number {
    return this.t;
  }

  async sleep(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = this.due.sort((a, b) => a.at - b.at)[0];
      if (next === undefined || next.at > end) break;
      this.due.shift();
      this.t = Math.max(this.t, next.at);
      this.record(next.data, false);
    }
    this.t = end;
  }

  async send(frame: Uint8Array): Promise<LanFrame> {
    const f = this.record(frame, true);
    const m = f.decoded.igmp;
    if (m?.kind === "query" && m.group === "0.0.0.0") {
      const records = [...this.groups].map((group) => ({ type: "MODE_IS_EXCLUDE" as const, group }));
      if (records.length > 0) this.due.push({ at: this.t + this.answerMs, data: encodeIgmpFrame({ message: v3Report(records), src: this.dut, macSrc: macForIp(this.dut) }) });
    }
    return f;
  }

  async act(a: DutAction): Promise<void> {
    if (a.op === "join") this.groups.add(a.group);
    if (a.op === "leave") this.groups.delete(a.group);
  }

  setCase(id: string | null): void {
    this.caseId = id;
  }

  async close(): Promise<void> {}

  private record(data: Uint8Array, sent: boolean): LanFrame {
    const number = this.all.length + 1;
    const f: LanFrame = { number, timeMs: this.t, sent, caseId: this.caseId, data, linkType: 1, decoded: decodeFrame({ data, linkType: 1 }, number) };
    this.all.push(f);
    return f;
  }
}

async function generalQuery(answerMs: number, lagMs: number) {
  const r = await runConformance(new ScriptedDut(answerMs, lagMs), hostCases, { role: "host", settings: defaultSettings(3, { maxRespMs: 1000 }), cases: ["host.general-query"] });
  return r.results[0]!.verdict;
}

describe("host cases judge answers by their wire time", () => {
  test("an answer within Max Resp Time + slack passes though the runner sees it up to 300 ms after the deadline", async () => {
    expect(await generalQuery(1100, 0)).toMatchObject({ status: "pass", measurements: { delayMs: 1100 } });
    expect(await generalQuery(1100, 250)).toMatchObject({ status: "pass", measurements: { delayMs: 1100 } });
    expect(await generalQuery(1200, 290)).toMatchObject({ status: "pass", measurements: { delayMs: 1200 } });
  });

  test("an answer on the wire after the deadline fails, named with its delay", async () => {
    const v = await generalQuery(1300, 0);
    expect(v.status).toBe("fail");
    expect(v.expected).toBe("an answer for 239.77.0.0 within 1200 ms");
    expect(v.observed).toBe("no answer in time; MODE_IS_EXCLUDE at 3500 ms (frame 2), 1300 ms after the query");
    expect(v.frames).toHaveLength(2);
    // Delivered late as well: still late by its wire time.
    expect((await generalQuery(1250, 200)).status).toBe("fail");
  });

  test("nothing at all is 'no answer'", async () => {
    expect(await generalQuery(5000, 0)).toMatchObject({ status: "fail", observed: "no answer" });
  });
});
