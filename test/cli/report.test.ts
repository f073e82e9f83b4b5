/**
 * `igmpkit report` in a real browser: Debian's chromium, driven by playwright-core (no browser download),
 * loads the report of two shipped fixtures from a file:// URL with no console error and no request
 * beyond the page itself; the page names what the fixtures hold (every group, the querier, the lint
 * findings with their frames, per `igmpkit stats` and `lint`), every chart's canvas has drawn pixels of
 * its series' colour, and a screenshot is saved (.ci/out/report-screenshot.png).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { expect, it } from "vitest";
import { describeLive } from "../lab/gate.js";
import { cli } from "./helpers.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, "..", "..");
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

it("report: usage errors and a self-contained page (no http(s) reference, uPlot inlined)", async () => {
  expect((await cli(["report", join(ROOT, "fixtures", "kernel-igmpv2-host.pcap")])).code).toBe(2);
  const dir = mkdtempSync(join(tmpdir(), "igmpkit-report-"));
  try {
    const out = join(dir, "r.html");
    const r = await cli(["report", join(ROOT, "fixtures", "kernel-igmpv2-host.pcap"), join(dir, "missing.pcap"), "-o", out]);
    expect(r.code).toBe(1); // the missing file; the page is still written
    expect(r.stderr).toContain("missing.pcap: no such file");
    const html = readFileSync(out, "utf8");
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).toContain("uPlot");
    expect(html).toContain("Incomplete: no such file");
    // a page that cannot be written: said at once in igmpkit's words (not Node's "ENOENT: ..., open '...'"), exit 1
    const fixture = join(ROOT, "fixtures", "kernel-igmpv2-host.pcap");
    const noDir = await cli(["report", fixture, "-o", join(dir, "none", "r.html")]);
    expect(noDir).toMatchObject({ code: 1, stderr: `igmpkit report: ${join(dir, "none", "r.html")}: no such directory\n` });
    const isDir = await cli(["report", fixture, "-o", dir]);
    expect(isDir).toMatchObject({ code: 1, stderr: `igmpkit report: ${dir}: is a directory\n` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describeLive("igmpkit report in headless chromium", [CHROMIUM], () => {
  it("loads with no console error; names the fixtures' groups, querier and findings; draws every chart", async () => {
    const fixtures = ["kernel-igmpv2-host.pcap", "frr-pimd-igmpv3.pcap"].map((f) => join(ROOT, "fixtures", f));
    const dir = mkdtempSync(join(tmpdir(), "igmpkit-report-"));
    try {
      const out = join(dir, "report.html");
      const r = await cli(["report", ...fixtures, "-o", out]);
      expect(r.code).toBe(0);
      expect(statSync(out).size).toBeLessThan(1024 * 1024);
      // What the page must name, from the other commands
      const stats = fixtures.map((f) => cli(["stats", "--json", f]).then((x) => JSON.parse(x.stdout) as Json));
      const lint = fixtures.map((f) => cli(["lint", "--json", f]).then((x) => JSON.parse(x.stdout) as Json));

      const ctx = await chromium.launchPersistentContext(join(dir, "profile"), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1300, height: 900 } });
      try {
        const page = await ctx.newPage();
        const errors: string[] = [];
        const requests: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(e.message));
        page.on("request", (q) => requests.push(q.url()));
        await page.goto(`file://${out}`, { waitUntil: "load" });
        await page.waitForFunction(() => (globalThis as Json).document.body.hasAttribute("data-charts-drawn"), undefined, { timeout: 20_000 });
        expect(errors).toEqual([]);
        expect(requests).toEqual([`file://${out}`]);

        const text = await page.innerText("body");
        for (const [i, s] of (await Promise.all(stats)).entries()) {
          const section = await page.innerText(`#file${i}`);
          for (const g of s.groups as Json[]) expect(section).toContain(g.group);
          for (const q of (s.queriers as Json[]).filter((x) => x.elected)) expect(await page.innerText(`#file${i} .querier`)).toContain(q.querier);
          expect(section).toContain(`${s.groups.length} groups`);
        }
        expect(text).toContain("198.18.12.1"); // kernel-igmpv2-host: the querier
        expect(text).toContain("198.18.15.1"); // frr-pimd-igmpv3: pimd
        for (const [i, l] of (await Promise.all(lint)).entries()) {
          const table = await page.innerText(`#file${i}`);
          for (const f of l.findings as Json[]) {
            expect(table).toContain(f.rule);
            expect(table).toContain(f.frames.join(", "));
          }
        }

        // every chart drawn: one uPlot per chart element, and its canvas holds pixels of the first series' colour
        const charts = await page.evaluate(() => {
          const want: Record<string, [number, number, number]> = { group: [0x1f, 0x77, 0xb4], querier: [0xd6, 0x27, 0x28], delays: [0x1f, 0x77, 0xb4], findings: [0xff, 0x7f, 0x0e], rest: [0x1f, 0x77, 0xb4] };
          const doc = (globalThis as Json).document;
          return ([...doc.querySelectorAll("[data-chart]")] as Json[]).map((el) => {
            const kind = el.dataset.chart as string;
            const canvas = el.querySelector("canvas");
            if (!canvas) return { kind, coloured: -1 };
            const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
            const [r, g, b] = want[kind]!;
            let coloured = 0;
            for (let p = 0; p < d.length; p += 4) if (Math.abs(d[p]! - r) < 30 && Math.abs(d[p + 1]! - g) < 30 && Math.abs(d[p + 2]! - b) < 30 && d[p + 3]! > 128) coloured++;
            return { kind, coloured };
          });
        });
        expect(charts.length).toBe(Number(await page.getAttribute("body", "data-charts-drawn")));
        // kernel-igmpv2-host: 2 groups + querier + delays + findings; frr-pimd-igmpv3: 6 groups + querier + delays
        expect(charts.map((c) => c.kind).sort()).toEqual([...Array(8).fill("group"), "delays", "delays", "findings", "querier", "querier"].sort());
        for (const c of charts) expect(c.coloured, `${c.kind} chart has drawn content`).toBeGreaterThan(10);

        // hovering a finding's marker names its frame
        const findings = page.locator('[data-chart="findings"] .u-over');
        await findings.scrollIntoViewIfNeeded();
        const box = (await findings.boundingBox())!;
        let named = "";
        // the cursor snaps to the nearest marker
        for (let x = 1; x < box.width && !named; x += box.width / 8) {
          await page.mouse.move(box.x + x, box.y + box.height / 2);
          named = (await page.innerText('[data-chart="findings"] .info')).trim();
        }
        expect(named).toMatch(/^frame (9|12): query-destination \(warning\)/);

        mkdirSync(join(ROOT, ".ci", "out"), { recursive: true });
        const shot = join(ROOT, ".ci", "out", "report-screenshot.png");
        await page.screenshot({ path: shot, fullPage: true });
        expect(statSync(shot).size).toBeGreaterThan(20_000);
      } finally {
        await ctx.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("the screenshot shows what the fixtures hold: each group's members line high from its join to its leave or expiry (per `igmpkit monitor`), low after, the querier's election where it happened", async () => {
    const fixtures = ["kernel-igmpv2-host.pcap", "frr-pimd-igmpv3.pcap"].map((f) => join(ROOT, "fixtures", f));
    const dir = mkdtempSync(join(tmpdir(), "igmpkit-report-"));
    try {
      const out = join(dir, "report.html");
      expect((await cli(["report", ...fixtures, "-o", out])).code).toBe(0);
      // What the fixtures hold, from the monitor (the router's view): per group when it was joined and
      // when it was left or expired; when the querier was elected.
      const events = await Promise.all(fixtures.map((f) => cli(["monitor", "-r", f, "--json"]).then((x) => x.stdout.trim().split("\n").map((l) => JSON.parse(l) as Json).filter((e) => e.type !== "snapshot"))));
      const ctx = await chromium.launchPersistentContext(join(dir, "profile"), { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1300, height: 900 } });
      try {
        const page = await ctx.newPage();
        await page.goto(`file://${out}`, { waitUntil: "load" });
        await page.waitForFunction(() => (globalThis as Json).document.body.hasAttribute("data-charts-drawn"), undefined, { timeout: 20_000 });
        const models = (await page.evaluate(() => JSON.parse((globalThis as Json).document.getElementById("igmpkit-model").textContent))) as Json[];
        mkdirSync(join(ROOT, ".ci", "out"), { recursive: true });

        /**
         * A chart as a screenshot, read back through the browser's PNG decoder: per pixel column of the
         * plot area, the topmost row holding `rgb` (-1: none), and the map from capture time to column.
         */
        const look = async (chart: ReturnType<typeof page.locator>, m: Json, rgb: [number, number, number], name: string) => {
          await chart.scrollIntoViewIfNeeded();
          const png = await chart.screenshot({ path: join(ROOT, ".ci", "out", `report-${name}.png`) });
          const box = (await chart.boundingBox())!;
          const over = (await chart.locator(".u-over").boundingBox())!;
          const left = Math.round(over.x - box.x);
          const top = Math.round(over.y - box.y);
          const tops = (await page.evaluate(
            async ([b64, x0, y0, w, h, c]) => {
              const img = new (globalThis as Json).Image();
              img.src = `data:image/png;base64,${b64}`;
              await img.decode();
              const canvas = (globalThis as Json).document.createElement("canvas");
              canvas.width = img.width;
              canvas.height = img.height;
              const g = canvas.getContext("2d");
              g.drawImage(img, 0, 0);
              const d = g.getImageData(0, 0, img.width, img.height).data as Uint8ClampedArray;
              const cols: number[] = [];
              for (let x = x0; x < x0 + w; x++) {
                let found = -1;
                // a line at the bottom of the scale is drawn on the plot area's edge: look 3 px below it too
                for (let y = y0; y < Math.min(y0 + h + 3, img.height) && found < 0; y++) {
                  const p = (y * img.width + x) * 4;
                  if (Math.abs(d[p]! - c[0]) < 40 && Math.abs(d[p + 1]! - c[1]) < 40 && Math.abs(d[p + 2]! - c[2]) < 40) found = y - y0;
                }
                cols.push(found);
              }
              return cols;
            },
            [png.toString("base64"), left, top, Math.round(over.width), Math.round(over.height), rgb] as const,
          )) as number[];
          // the page's time axis: the capture's span with 1% (at least 0.5 s) either side
          const pad = Math.max((m.end - m.start) * 0.01, 0.5);
          const [a, b] = [m.start - pad, m.end + pad];
          const col = (t: number) => Math.round(((t - a) / (b - a)) * over.width);
          return { tops, col };
        };

        for (const [i, m] of models.entries()) {
          const evs = events[i]!;
          for (const [k, g] of (m.groups as Json[]).entries()) {
            const chart = page.locator(`[data-chart="group"][data-file="${i}"][data-index="${k}"]`);
            const name = g.group as string;
            const mine = evs.filter((e) => e.group === name);
            const joined = Number(mine.find((e) => e.type === "join")!.time);
            const gone = mine.find((e) => (e.type === "leave" || e.type === "expiry") && Number(e.time) > joined);
            const until = gone ? Number(gone.time) : m.end;
            const { tops, col } = await look(chart, m, [0x1f, 0x77, 0xb4], `${i}-${name}`);
            // columns clear of every marker the chart draws over the line (leave, last-member query, expiry, mode change)
            const markers = [...g.leaves.map((x: Json) => x.t), ...g.lastMemberQueries.map((x: Json) => x.t), ...g.expiries, ...g.modes.map((x: Json) => x.t)].map(col);
            const clear = (c: number) => markers.every((x: number) => Math.abs(x - c) > 8);
            const between = (t0: number, t1: number) => {
              const cs: number[] = [];
              for (let c = col(t0) + 6; c <= col(t1) - 6; c++) if (clear(c) && c >= 0 && c < tops.length) cs.push(c);
              return cs;
            };
            const high = between(joined, until);
            expect(high.length, `${name}: columns while joined`).toBeGreaterThan(10);
            const levels = new Set(high.map((c) => tops[c]));
            expect(levels.size, `${name}: one level while joined (${[...levels].join(", ")})`).toBe(1);
            const up = tops[high[0]!]!;
            expect(up, `${name}: the line is drawn while joined`).toBeGreaterThanOrEqual(0);
            const before = between(m.start, joined);
            for (const c of before) expect(tops[c], `${name}: no line before its join (column ${c})`).toBe(-1);
            // (a leave in the capture's last moments leaves no room to look at)
            if (gone && col(m.end) - col(until) > 30) {
              const low = between(until, m.end);
              expect(low.length, `${name}: columns after ${gone.type}`).toBeGreaterThan(3);
              for (const c of low) expect(tops[c]!, `${name}: low after its ${gone.type} (column ${c})`).toBeGreaterThan(up + 20);
            }
          }
          // the querier: its election marker (red) where the monitor elected it, and nowhere else
          const elected = evs.filter((e) => e.type === "querier-elected");
          expect(elected).toHaveLength(1);
          const { tops, col } = await look(page.locator(`[data-chart="querier"][data-file="${i}"]`), m, [0xd6, 0x27, 0x28], `${i}-querier`);
          const red = tops.flatMap((y, c) => (y >= 0 ? [c] : []));
          const at = col(Number(elected[0]!.time));
          expect(red.length, "the election marker is drawn").toBeGreaterThan(3);
          for (const c of red) expect(Math.abs(c - at), `red at column ${c}, the election at ${at}`).toBeLessThanOrEqual(7);
        }
      } finally {
        await ctx.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
