/**
 * The JSON Schemas in schemas/ against what igmpkit really prints: every `--json` line of decode, lint,
 * monitor and host on the fixtures and on generated frames, and scenario files against the host's own
 * validator. Every schema in the folder must compile (ajv, strict mode).
 */
import Ajv07 from "ajv";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import fc from "fast-check";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runHost } from "../src/cli/host.js";
import { runKernel } from "../src/cli/kernel.js";
import { KernelReadError } from "../src/io/kernel.js";
import { runMonitor } from "../src/cli/monitor.js";
import { parseScenario } from "../src/host/scenario.js";
import { decodeFrame, encodeIgmpFrame, v3Query, v3Report } from "../src/wire/index.js";
import { captureIo, cli, tempDir } from "./cli/helpers.js";
import { FakeCapture, VirtualClock } from "./monitor/fake-live.js";
import { igmpMessage, ipv4 } from "./wire/arbitraries.js";
import { fixtureState, sgEntry } from "./kernel/helpers.js";

const SCHEMAS = join(import.meta.dirname, "../schemas");
const FIX = join(import.meta.dirname, "../fixtures");
const fixtures = readdirSync(FIX)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .map((f) => join(FIX, f));
const { dir, cleanup } = tempDir();
afterAll(cleanup);

// the output schemas are 2020-12; others in the folder (the settings file's) may be draft-07
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
const ajv07 = new Ajv07({ strict: true, allowUnionTypes: true, allErrors: true });
const schemas = new Map<string, object>();
for (const f of readdirSync(SCHEMAS).filter((x) => x.endsWith(".schema.json"))) {
  const s = JSON.parse(readFileSync(join(SCHEMAS, f), "utf8")) as { $id: string; $schema?: string };
  schemas.set(f.replace(/\.schema\.json$/, ""), s);
  (s.$schema?.includes("draft-07") ? ajv07 : ajv).addSchema(s);
}
const MODEL_SCHEMAS = ["decode", "lint", "monitor", "host-stats", "stats", "scenario", "kernel"];

function validator(name: string, def?: string): ValidateFunction {
  const s = schemas.get(name) as { $id: string } | undefined;
  if (!s) throw new Error(`schemas/${name}.schema.json is missing`);
  const v = ajv.getSchema(def ? `${s.$id}#/$defs/${def}` : s.$id);
  if (!v) throw new Error(`no ${def} in ${name}`);
  return v;
}

/** Assert that every JSON line of `text` validates; returns the parsed lines. */
function expectValid(v: ValidateFunction, text: string, what: string): unknown[] {
  const lines = text.split("\n").filter((l) => l !== "");
  return lines.map((l, i) => {
    const obj = JSON.parse(l) as unknown;
    if (!v(obj)) throw new Error(`${what}, line ${i + 1} does not match its schema: ${ajv.errorsText(v.errors)}\n${l.slice(0, 400)}`);
    return obj;
  });
}

describe("schemas/", () => {
  it("every schema in the folder compiles in strict mode; the JSON model's name their version", () => {
    expect([...schemas.keys()]).toEqual(expect.arrayContaining(MODEL_SCHEMAS));
    for (const [name, s] of schemas) {
      const id = (s as { $id: string }).$id;
      expect(ajv.getSchema(id) ?? ajv07.getSchema(id), name).toBeDefined();
      if (MODEL_SCHEMAS.includes(name)) expect(id, name).toMatch(/^urn:igmpkit:json-model:\d+:/);
    }
  });

  it("decode --json: every frame and every summary line of every fixture (one file and several)", async () => {
    const v = validator("decode");
    const frame = validator("decode", "frame");
    for (const f of fixtures) {
      const r = await cli(["decode", "--json", "--all", f]);
      expect(expectValid(frame, r.stdout, f).length).toBeGreaterThan(0);
      expectValid(v, r.stderr, `${f} (stderr)`);
    }
    const several = await cli(["decode", "--json", fixtures[0]!, fixtures[1]!, join(dir, "missing.pcap"), "-w", join(dir, "w.pcapng")]);
    expectValid(frame, several.stdout, "several files");
    const err = expectValid(v, several.stderr, "several files (stderr)") as Record<string, unknown>[];
    expect(err.map((o) => Object.keys(o)[0])).toEqual(["file", "file", "file", "written"]);
  });

  it("the schemas are tight: a changed field or an unknown one fails", async () => {
    const frame = validator("decode", "frame");
    const r = await cli(["decode", "--json", join(FIX, "kernel-igmpv3-host.pcap")]);
    const good = JSON.parse(r.stdout.split("\n")[0]!) as Record<string, unknown> & { igmp: Record<string, unknown> };
    expect(frame(good)).toBe(true);
    for (const bad of [
      { ...good, ipSrc: "198.18.0.256" },
      { ...good, time: "1.5" },
      { ...good, extra: 1 },
      { ...good, igmp: { ...good.igmp, version: 4 } },
      { ...good, igmp: { ...good.igmp, kind: "v2-report" } },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== "errors")),
    ])
      expect(frame(bad), JSON.stringify(bad).slice(0, 200)).toBe(false);
  });

  it("decode's frame schema holds for any decoded message, whole or cut short or damaged", () => {
    const frame = validator("decode", "frame");
    fc.assert(
      fc.property(igmpMessage, ipv4, fc.nat(), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))), (m, src, cut, flip) => {
        const bytes = encodeIgmpFrame({ message: m, src, dst: "224.0.0.22", macSrc: "02:00:00:00:00:01", vlan: cut % 3 === 0 ? [10] : [] });
        const data = bytes.subarray(0, bytes.length - (cut % 7 === 0 ? cut % bytes.length : 0));
        if (flip) data[flip[0] % data.length] = flip[1];
        const obj = JSON.parse(JSON.stringify(decodeFrame({ data, linkType: 1, timestampNs: 1_763_700_000_000_000_123n })));
        if (!frame(obj)) throw new Error(`${ajv.errorsText(frame.errors)}\n${JSON.stringify(obj)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it("lint --json: findings of every fixture, and a file error", async () => {
    const v = validator("lint");
    let findings = 0;
    for (const f of fixtures) {
      const r = await cli(["lint", "--json", "--fail-on", "info", f]);
      const [report] = expectValid(v, r.stdout, f) as { findings: unknown[] }[];
      findings += report!.findings.length;
    }
    expect(findings).toBeGreaterThan(0);
    expectValid(v, (await cli(["lint", "--json", join(dir, "missing.pcap")])).stderr, "lint error");
  });

  it("usage errors with --json (exit 2): one object each command's schema describes", async () => {
    for (const [name, args] of [
      ["decode", ["decode", "--json", fixtures[0]!, "tcp port 80"]],
      ["lint", ["lint", "--json", "--fail-on", "bad", fixtures[0]!]],
      ["monitor", ["monitor", "--json"]],
      ["stats", ["stats", "--json", "--top", "x", fixtures[0]!]],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, name).toBe(2);
      const [o] = expectValid(validator(name), r.stderr, `${name} usage error`) as { code: string }[];
      expect(o!.code).toBe("usage");
      expect(validator(name, "usageError")(o)).toBe(true);
    }
  });

  it("stats --json: every fixture, several at once, and a file error", async () => {
    const v = validator("stats");
    let groups = 0;
    for (const f of fixtures) {
      const r = await cli(["stats", "--json", f]);
      for (const o of expectValid(v, r.stdout, f) as { groups: unknown[] }[]) groups += o.groups.length;
    }
    expect(groups).toBeGreaterThan(10);
    const bad = await cli(["stats", "--json", fixtures[0]!, join(dir, "missing.pcap")]);
    expectValid(v, bad.stdout, "stats, several");
    expectValid(v, bad.stderr, "stats error");
  });

  it("monitor --json: events and snapshots of every fixture, warnings and file errors", async () => {
    const v = validator("monitor");
    const types = new Set<string>();
    for (const f of fixtures) {
      const r = await cli(["monitor", "--json", "-r", f]);
      for (const o of expectValid(v, r.stdout, f) as { type: string }[]) types.add(o.type);
      expectValid(v, r.stderr, `${f} (stderr)`);
    }
    expect(types.size).toBeGreaterThan(6);
    expectValid(v, (await cli(["monitor", "--json", "-r", join(dir, "missing.pcap")])).stderr, "monitor error");
  });

  it("monitor -i --json: events, the snapshot with libpcap's drop counters, the closing line", async () => {
    const v = validator("monitor");
    const { io, out } = captureIo({ stdoutIsTTY: false, stderrIsTTY: false });
    const cap = new FakeCapture("eth9");
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    const run = runMonitor({ interface: "eth9" }, io, ac.signal, { openLive: async () => cap, clock });
    await clock.runTo(0);
    cap.push({ t: 0, src: "198.18.0.1", message: v3Query({ maxRespTime: 1 }) });
    Object.assign(cap.stats, { received: 3, dropped: 2, ifDropped: 0 });
    await clock.runTo(1);
    ac.abort();
    expect(await run).toBe(1);
    const lines = expectValid(v, out.stdout, "monitor -i") as { type: string; complete?: boolean }[];
    expect(lines.at(-1)).toMatchObject({ type: "snapshot", complete: false });
    expectValid(v, out.stderr, "monitor -i (stderr)");
  });

  it("monitor -i --kernel --json: the kernel's disagreement events, the side-by-side line, the read warning", async () => {
    const v = validator("monitor");
    const { io, out } = captureIo({ stdoutIsTTY: false, stderrIsTTY: false });
    const cap = new FakeCapture("rv");
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    let packets = 10;
    let reads = 0;
    const run = runMonitor({ interface: "rv", kernel: true }, io, ac.signal, {
      openLive: async () => cap,
      clock,
      kernel: {
        intervalMs: 10,
        graceMs: 0,
        // rv forwarded, then not, then a sample that cannot be read, then forwarded again: both event types.
        read: async () => {
          reads++;
          if (reads === 6) throw new KernelReadError("failed", "could not read the kernel's tables: gone");
          return fixtureState("router", sgEntry({ packets: (packets += 10), towardRv: reads < 3 || reads > 8 }));
        },
      },
    });
    cap.push({ t: 0, src: "198.18.51.2", message: v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.60.6.6" }]) });
    await clock.runTo(1);
    for (let i = 0; i < 200 && !out.stdout.includes("kernel-agreement"); i++) await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    expect(await run).toBe(0);
    const types = (expectValid(v, out.stdout, "monitor -i --kernel") as { type: string }[]).map((o) => o.type);
    expect(types).toEqual(expect.arrayContaining(["kernel-disagreement", "kernel-agreement", "kernel-side-by-side", "snapshot"]));
    expect((expectValid(v, out.stderr, "monitor -i --kernel (stderr)") as object[]).some((o) => "warning" in o)).toBe(true);
  });

  it("kernel --json: the host's and the router's state, --watch events, a namespace error", async () => {
    const v = validator("kernel");
    for (const st of [fixtureState("host"), fixtureState("router"), fixtureState("host", (n, t) => (n === "mcfilter" ? t.replace("0xc6123c09", "0xZZ") : t))]) {
      const { io, out } = captureIo();
      await runKernel({ json: true }, io, { read: async () => st });
      const [o] = expectValid(v, out.stdout, "kernel --json") as { interfaces: unknown[] }[];
      expect(o!.interfaces.length).toBeGreaterThan(0);
    }
    // --watch over samples that change every kind of row: groups, filters, versions, VIFs, the cache.
    const samples = [
      fixtureState("router", sgEntry({ packets: 10, wrong: 8 })),
      fixtureState("router", sgEntry({ packets: 20, wrong: 9 })),
      fixtureState("router", (n, t) => (n === "ip_mr_vif" ? t.replace(/^ 0 pimreg.*\n/m, "") : sgEntry({ packets: 20, towardRv: false })(n, n === "ip_mr_cache" ? t.replace("01003DEF 023212C6 -1         0        0        0", "01003DEF 023212C6 2          4      240        0  1:1") : t))),
      fixtureState("host"),
      fixtureState("host", (n, t) => (n === "igmp" ? t.replace("01013CEF     2", "01013CEF     1").replace("eth2      :     2      V2", "eth2      :     2      V3") : n === "mcfilter" ? t.replace(/(0xc6123c0a\s+)2/, "$11") : t)),
    ];
    const ac = new AbortController();
    let reads = 0;
    const { io, out } = captureIo();
    await runKernel({ watch: true, interval: 50 }, io, {
      signal: ac.signal,
      read: async () => {
        const s = samples[Math.min(reads++, samples.length - 1)]!;
        if (reads === samples.length + 1) ac.abort();
        return s;
      },
    });
    const lines = expectValid(v, out.stdout, "kernel --watch") as { type: string }[];
    expect(new Set(lines.map((l) => l.type)).size).toBeGreaterThan(10);
    const err = captureIo();
    await runKernel({ netns: "nope", json: true }, err.io, {
      read: async () => {
        throw new KernelReadError("no-such-netns", 'no network namespace "nope"');
      },
    });
    expectValid(v, err.out.stderr, "kernel error");
    // Tight: an unknown field or a wrong value fails.
    const good = JSON.parse(out.stdout.split("\n")[0]!) as Record<string, unknown>;
    for (const bad of [{ ...good, extra: 1 }, { ...good, time: 2 }, { ...good, release: 6 }]) expect(v(bad), JSON.stringify(bad).slice(0, 120)).toBe(false);
  });

  it("host --json statistics, offline and live", async () => {
    const v = validator("host-stats");
    const offline = await cli(["host", "--json", "--replay", join(FIX, "frr-pimd-igmpv3.pcap"), "-w", join(dir, "h.pcap"), "--hosts", "3", "--join", "239.5.5.1", "--join", "232.5.5.1@198.18.5.9"]);
    expect(offline.code, offline.stderr).toBe(0);
    const [o] = expectValid(v, offline.stdout, "host offline") as { hosts: { groups: object }[] }[];
    expect(Object.keys(o!.hosts[0]!.groups)).toEqual(["232.5.5.1", "239.5.5.1"]); // per group, not {} (a Map)

    const scenario = join(dir, "live.json");
    writeFileSync(scenario, JSON.stringify({ version: 3, hosts: [{ firstIp: "198.18.0.10", count: 4 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] }));
    const clock = new VirtualClock(0);
    const cap = new FakeCapture("eth9");
    let out = "";
    const io = { stdout: { write: (s: string | Uint8Array) => ((out += String(s)), true) }, stderr: { write: () => true }, stdoutIsTTY: false, stderrIsTTY: false, env: {} };
    let code: number | undefined;
    const run = runHost({ interface: "eth9", scenario, seed: 7, duration: 4, json: true }, io, { openLive: async () => cap, clock }).then((c) => (code = c));
    let t = 0;
    await clock.runTo((t += 2));
    cap.push({ t: 2, src: "198.18.0.1", message: v3Query({ maxRespTime: 1 }) });
    for (let i = 0; code === undefined && i < 400; i++) await clock.runTo((t += 0.25));
    await run;
    expect(code).toBe(0);
    const [live] = expectValid(v, out, "host live") as { hosts: { responseDelay: { answers: number } }[] }[];
    expect(live!.hosts[0]!.responseDelay.answers).toBe(1);
  });

  const goodScenarios = [
    { version: 3, hosts: [{ firstIp: "198.18.0.10", count: 4 }], timeline: [{ at: 0, host: "*", op: "join", group: "239.1.1.1" }] },
    {
      $schema: "../schemas/scenario.schema.json",
      seed: 1,
      profile: "linux",
      version: 3,
      mtu: 1500,
      ppsLimit: 0,
      vlan: [10],
      robustness: 2,
      queryResponseIntervalMs: 10000,
      hosts: [{ name: "a", ip: "198.18.0.10", version: 2, mac: "02:00:00:00:00:0a" }, { firstIp: "198.18.0.20", count: 50, deaf: true }],
      timeline: [
        { at: 0, host: "*", op: "join", group: "239.1.1.1" },
        { at: 1.5, host: "a", op: "joinSource", group: "232.1.1.1", source: "198.18.0.9", socket: "s2" },
        { at: 30, host: ["a", 3], op: "setSourceFilter", group: "239.1.1.1", mode: "exclude", sources: ["10.0.0.1"] },
        { at: 60, host: "198.18.0.21", op: "closeSocket" },
        { at: 90, host: "a", op: "crash" },
      ],
    },
  ];
  const badScenarios = [
    {},
    { hosts: [] },
    { hosts: [{ ip: "198.18.0.10" }], extra: 1 },
    { hosts: [{ ip: "239.1.1.1" }] },
    { hosts: [{ ip: "198.18.0.10", version: 4 }] },
    { hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "join", group: "10.1.1.1" }] },
    { hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: -1, host: 0, op: "join", group: "239.1.1.1" }] },
    { hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "fly", group: "239.1.1.1" }] },
    { hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "join", group: "239.1.1.1", source: "198.18.0.9" }] },
    { hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "setSourceFilter", group: "239.1.1.1", mode: "maybe", sources: [] }] },
    { hosts: [{ ip: "198.18.0.10" }], timeline: [{ at: 0, host: 0, op: "crash", socket: "s" }] },
    { hosts: [{ firstIp: "198.18.0.10", count: 0 }] },
  ];

  it("scenario files: what the host accepts validates, what it refuses does not", () => {
    const v = validator("scenario");
    for (const s of goodScenarios) {
      expect(() => parseScenario(s)).not.toThrow();
      expect(v(s), ajv.errorsText(v.errors)).toBe(true);
    }
    for (const s of badScenarios) {
      expect(() => parseScenario(s), JSON.stringify(s)).toThrow();
      expect(v(s), JSON.stringify(s)).toBe(false);
    }
  });
});
