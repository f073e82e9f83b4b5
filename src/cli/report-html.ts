/**
 * The HTML of `igmpkit report`: one self-contained page (no network fetches). The charts are drawn in
 * the browser by uPlot (MIT, the npm package `uplot`), whose minified script and stylesheet are inlined
 * when the page is generated; the data is the {@link ReportModel} as JSON in the page. Tables and
 * headings are plain HTML, so the page reads without scripts too.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ReportModel } from "../monitor/report-model.js";
import type { DelaySummary } from "../monitor/stats.js";

const nodeRequire = createRequire((import.meta as { url?: string }).url ?? __filename);

/** uPlot's script and stylesheet, read from the installed package. */
export function uplotAssets(): { js: string; css: string } {
  const js = nodeRequire.resolve("uplot/dist/uPlot.iife.min.js");
  return { js: readFileSync(js, "utf8"), css: readFileSync(js.replace(/uPlot\.iife\.min\.js$/, "uPlot.min.css"), "utf8") };
}

const esc = (x: unknown): string => String(x).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function isoTime(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return "-";
  return new Date(sec * 1000).toISOString().replace("T", " ").replace("Z", " UTC");
}
const epoch = (t: string): number => Number(t);

function delayLine(d: DelaySummary): string {
  return d.count === 0 ? "none" : `${d.count} answers: p50 ${d.p50} s, p90 ${d.p90} s, p99 ${d.p99} s, max ${d.max} s; <b>${d.late}</b> later than Max Resp Time`;
}

function table(head: string[], rows: string[][], cls = ""): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

function fileSection(m: ReportModel, i: number): string {
  const st = m.stats;
  const parts: string[] = [];
  const queriers = st.queriers.filter((q) => q.elected).map((q) => q.querier);
  parts.push(`<section class="file" id="file${i}"><h2>${esc(m.file)}</h2>`);
  if (!m.complete) parts.push(`<p class="error">Incomplete: ${esc(m.error)}; what came before it is shown.</p>`);
  parts.push(
    `<p class="summary">${st.frames} frames, ${st.messages} membership messages, ${st.badChecksums} bad checksums, ${st.malformed} malformed; ${esc(isoTime(m.start))} to ${esc(isoTime(m.end))}. ` +
      `<span class="groups-count">${m.groups.length + m.rest.groups} groups</span>, ${st.hosts.length} hosts; querier: <span class="querier">${esc(queriers.join(", ") || "none")}</span>. ` +
      `Lint: ${m.findingsTotal} findings.</p>`,
  );
  parts.push(`<h3>Querier</h3><div class="chart" data-chart="querier" data-file="${i}"></div>`);
  parts.push(
    table(
      ["querier", "general v1/v2/v3", "group-specific", "group-and-source", "interval min/median/max (s)", "advertised QQI", "QRV", "Max Resp Time (s: n)", "elected"],
      st.queriers.map((q) => [
        esc(q.querier + (q.vlan ? ` (VLAN ${q.vlan.join(".")})` : "")),
        `${q.queries.generalV1}/${q.queries.generalV2}/${q.queries.generalV3}`,
        String(q.queries.groupSpecific),
        String(q.queries.groupAndSourceSpecific),
        q.interval.count === 0 ? "-" : `${q.interval.min}/${q.interval.median}/${q.interval.max}`,
        q.advertisedQqi === null ? "-" : `${q.advertisedQqi} s`,
        q.advertisedQrv === null ? "-" : String(q.advertisedQrv),
        esc(
          Object.entries(q.maxRespTime)
            .map(([k, n]) => `${k}: ${n}`)
            .join(", "),
        ),
        q.elected ? "yes" : "no",
      ]),
    ),
  );
  const events = m.queriers.flatMap((q) => q.events);
  if (events.length > 0) parts.push(`<ul class="elections">${events.map((e) => `<li>${esc(isoTime(e.t))}: ${esc(e.type)} ${esc(e.querier)}</li>`).join("")}</ul>`);

  parts.push(`<h3>Groups: the ${m.groups.length} busiest</h3><p class="legend">members over time (step line); markers: leave (with its frame), last-member query, expiry, mode change. Hover for details.</p>`);
  parts.push(`<div class="groups">${m.groups.map((g, k) => `<div class="chart group" data-chart="group" data-file="${i}" data-index="${k}"><div class="title">${esc(g.group)}${g.vlan ? ` (VLAN ${esc(g.vlan)})` : ""}</div></div>`).join("")}</div>`);
  if (m.rest.groups > 0) parts.push(`<h3>The other ${m.rest.groups} groups, together</h3><div class="chart" data-chart="rest" data-file="${i}"></div>`);

  parts.push(`<h3>Response delays against Max Resp Time</h3><p>General queries: ${delayLine(st.responseDelays.general)}. Group-specific queries: ${delayLine(st.responseDelays.groupSpecific)}.${m.delays.total > m.delays.t.length ? ` (${m.delays.t.length} of ${m.delays.total} answers drawn, every late one among them.)` : ""}</p>`);
  parts.push(`<div class="chart" data-chart="delays" data-file="${i}"></div>`);

  parts.push(`<h3>Lint findings (${m.findingsTotal})</h3>`);
  if (m.findings.length > 0) {
    parts.push(`<div class="chart" data-chart="findings" data-file="${i}"></div>`);
    parts.push(
      table(
        ["severity", "rule", "frames", "message", "RFC"],
        m.findings.map((f) => [
          `<span class="sev ${esc(f.severity)}">${esc(f.severity)}</span>`,
          esc(f.rule),
          esc(f.frames.map((x) => x.frame).join(", ") + (f.frameCount > f.frames.length ? ` … (${f.frameCount})` : "")),
          esc(f.message),
          esc(f.rfc),
        ]),
        "findings",
      ),
    );
    if (m.findingsTotal > m.findings.length) parts.push(`<p>${m.findingsTotal - m.findings.length} more findings: igmpkit lint ${esc(m.file)}</p>`);
  } else parts.push("<p>No findings.</p>");

  parts.push(`<h3>Groups (busiest ${st.groups.length})</h3>`);
  parts.push(
    table(
      ["group", "reports v1/v2/v3", "records", "v2 leaves / leaves honoured", "members seen", "joins", "expiries", "last-member queries", "first seen", "last seen"],
      st.groups.map((g) => [
        esc(g.group + (g.vlan ? ` (VLAN ${g.vlan.join(".")})` : "")),
        `${g.reports.v1}/${g.reports.v2}/${g.reports.v3}`,
        esc(
          Object.entries(g.records)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ") || "-",
        ),
        `${g.leaveMessages}/${g.leaves}`,
        String(g.membersSeen),
        String(g.joins),
        String(g.expiries),
        String(g.lastMemberQueries),
        esc(isoTime(epoch(g.firstSeen))),
        esc(isoTime(epoch(g.lastSeen))),
      ]),
    ),
  );
  parts.push(`<h3>Hosts (busiest ${st.hosts.length})</h3>`);
  parts.push(
    table(
      ["host", "reports v1/v2/v3", "v2 leaves", "groups", "answers", "p50 (s)", "max (s)", "late"],
      st.hosts.map((h) => [
        esc(h.host + (h.vlan ? ` (VLAN ${h.vlan.join(".")})` : "")),
        `${h.reports.v1}/${h.reports.v2}/${h.reports.v3}`,
        String(h.leaveMessages),
        String(h.groups),
        String(h.responses.count),
        String(h.responses.p50 ?? "-"),
        String(h.responses.max ?? "-"),
        String(h.responses.late),
      ]),
    ),
  );
  parts.push("</section>");
  return parts.join("\n");
}

/** The page's own script: builds the charts from the embedded model with uPlot. */
const CLIENT = String.raw`
(function () {
  "use strict";
  var files = JSON.parse(document.getElementById("igmpkit-model").textContent);
  var W = function (el) { return Math.max(320, Math.min(1200, el.clientWidth || 900)); };
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function when(t) {
    var d = new Date(t * 1000);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + String(Math.round((t % 1) * 1e6)).padStart(6, "0");
  }
  // Series on one x axis: [{t:[], v:[], carry:bool}] -> uPlot's aligned data
  function align(list) {
    var xs = [];
    list.forEach(function (s) { s.t.forEach(function (t) { xs.push(t); }); });
    xs.sort(function (a, b) { return a - b; });
    var x = [];
    xs.forEach(function (t) { if (x.length === 0 || x[x.length - 1] !== t) x.push(t); });
    var data = [x];
    list.forEach(function (s) {
      var out = new Array(x.length), j = 0, last = null;
      for (var i = 0; i < x.length; i++) {
        while (j < s.t.length && s.t[j] < x[i]) { last = s.v[j]; j++; }
        if (j < s.t.length && s.t[j] === x[i]) { last = s.v[j]; out[i] = s.v[j]; j++; while (j < s.t.length && s.t[j] === x[i]) { last = s.v[j]; j++; } }
        else out[i] = s.carry ? last : null;
      }
      data.push(out);
    });
    return data;
  }
  function at(series, t) {
    var v = 0;
    for (var i = 0; i < series.t.length && series.t[i] <= t; i++) v = series.v[i];
    return v;
  }
  var stepped = uPlot.paths.stepped({ align: 1 });
  function line(label, stroke, step) { return { label: label, stroke: stroke, width: 2, paths: step ? stepped : undefined, points: { show: false }, spanGaps: true }; }
  function dots(label, stroke, size) { return { label: label, stroke: stroke, fill: stroke, paths: function () { return null; }, points: { show: true, size: size || 8, stroke: stroke, fill: stroke } }; }
  // every chart of a capture on the capture's time span; step lines carried to its end
  function span(m) { var a = m.start, b = m.end; if (a == null) return [0, 1]; var p = Math.max((b - a) * 0.01, 0.5); return [a - p, b + p]; }
  function toEnd(s, m) { var n = s.t.length; if (n > 0 && m.end != null && s.t[n - 1] < m.end) { s.t = s.t.concat([m.end]); s.v = s.v.concat([s.v[n - 1]]); } return s; }
  function make(el, series, list, notes, height, yLabel, m) {
    var info = document.createElement("div");
    info.className = "info";
    var opts = {
      width: W(el), height: height || 180, series: [{ label: "time", value: function (u, v) { return v == null ? "-" : when(v); } }].concat(series),
      scales: { x: { time: true, range: function () { return span(m); } } }, axes: [{}, { label: yLabel || "" }], legend: { live: true },
      hooks: { setCursor: [function (u) { var i = u.cursor.idx; info.textContent = i != null && notes[u.data[0][i]] ? notes[u.data[0][i]] : ""; }] }
    };
    var plot = new uPlot(opts, align(list), el);
    el.appendChild(info);
    return plot;
  }
  function note(notes, t, text) { notes[t] = notes[t] ? notes[t] + "; " + text : text; }
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var m = files[+el.getAttribute("data-file")], kind = el.getAttribute("data-chart"), notes = {};
    if (kind === "group") {
      var g = m.groups[+el.getAttribute("data-index")];
      var mem = toEnd({ t: g.t, v: g.members, carry: true }, m);
      var mark = function (ts) { return { t: ts, v: ts.map(function (t) { return at(mem, t); }) }; };
      g.leaves.forEach(function (l) { note(notes, l.t, "leave honoured" + (l.frame ? ", frame " + l.frame : " (timer)") + " at " + when(l.t)); });
      g.lastMemberQueries.forEach(function (q) { note(notes, q.t, "last-member query " + (q.observed ? "seen" : "acted by the monitor") + " at " + when(q.t)); });
      g.expiries.forEach(function (t) { note(notes, t, "expiry at " + when(t)); });
      g.modes.forEach(function (x) { note(notes, x.t, "mode " + x.mode + " at " + when(x.t)); });
      make(el, [line("members", "#1f77b4", true), dots("leave", "#d62728", 9), dots("last-member query", "#ff7f0e", 7), dots("expiry", "#000", 9), dots("mode change", "#2ca02c", 6)],
        [mem, mark(g.leaves.map(function (l) { return l.t; })), mark(g.lastMemberQueries.map(function (q) { return q.t; })), mark(g.expiries), mark(g.modes.map(function (x) { return x.t; }))], notes, 160, "members", m);
    } else if (kind === "rest") {
      make(el, [line("members (sum)", "#1f77b4", true), line("groups with members", "#9467bd", true)],
        [toEnd({ t: m.rest.t, v: m.rest.members, carry: true }, m), toEnd({ t: m.rest.t, v: m.rest.active, carry: true }, m)], notes, 200, "count", m);
    } else if (kind === "querier") {
      var series = [], list = [];
      m.queriers.forEach(function (q) {
        var g = q.general, by = {};
        g.querier.forEach(function (a, i) { (by[a] = by[a] || { t: [], v: [] }); by[a].t.push(g.t[i]); by[a].v.push(g.interval[i]); note(notes, g.t[i], "general query from " + a + (g.interval[i] != null ? ", " + g.interval[i] + " s after its previous" : "") + (g.qqi[i] ? ", advertises QQI " + g.qqi[i] + " s" : "") + ", Max Resp Time " + g.maxResp[i] + " s"); });
        Object.keys(by).forEach(function (a) { series.push(dots("interval " + a + " (s)", "#1f77b4", 7)); list.push(by[a]); });
        series.push(line("advertised QQI (s)", "#2ca02c", true)); list.push(toEnd({ t: g.t, v: g.qqi, carry: true }, m));
        series.push(dots("Max Resp Time (s)", "#ff7f0e", 5)); list.push({ t: g.t, v: g.maxResp });
        q.events.forEach(function (e) { note(notes, e.t, e.type + " " + e.querier + " at " + when(e.t)); });
        series.push(dots("election", "#d62728", 10)); list.push({ t: q.events.map(function (e) { return e.t; }), v: q.events.map(function () { return 0; }) });
      });
      make(el, series, list, notes, 220, "seconds", m);
    } else if (kind === "delays") {
      var d = m.delays;
      d.t.forEach(function (t, i) { note(notes, t, (d.general[i] ? "general" : "group-specific") + " query at " + when(t) + ": answer after " + d.delay[i] + " s (Max Resp Time " + d.maxResp[i] + " s)" + (d.delay[i] > d.maxResp[i] ? " LATE" : "")); });
      make(el, [dots("answer delay (s)", "#1f77b4", 6), dots("Max Resp Time (s)", "#ff7f0e", 4)], [{ t: d.t, v: d.delay }, { t: d.t, v: d.maxResp }], notes, 220, "seconds", m);
    } else if (kind === "findings") {
      var rank = { info: 0, warning: 1, error: 2 }, sev = { error: { t: [], v: [] }, warning: { t: [], v: [] }, info: { t: [], v: [] } };
      m.findings.forEach(function (f) {
        f.frames.forEach(function (x) { if (x.t == null || isNaN(x.t)) return; sev[f.severity].t.push(x.t); sev[f.severity].v.push(rank[f.severity]); note(notes, x.t, "frame " + x.frame + ": " + f.rule + " (" + f.severity + ") " + f.message); });
      });
      make(el, [dots("error", "#d62728", 10), dots("warning", "#ff7f0e", 9), dots("info", "#1f77b4", 8)], [sev.error, sev.warning, sev.info], notes, 160, "severity", m);
    }
  });
  document.body.setAttribute("data-charts-drawn", String(document.querySelectorAll(".uplot").length));
})();
`;

/** The whole page for the models of one or more captures. */
export function renderReportHtml(models: readonly ReportModel[], assets = uplotAssets()): string {
  const json = JSON.stringify(models).replace(/</g, "\\u003c");
  const title = `igmpkit report: ${models.map((m) => m.file).join(", ")}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${assets.css}</style>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1250px}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em}h3{margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;font-size:12px}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.chart{margin:.4em 0 1em}.group .title{font-weight:600;margin-top:.6em}.info{min-height:1.3em;font-size:12px;color:#444}
.sev.error{color:#b00;font-weight:600}.sev.warning{color:#b60}.error{color:#b00}
</style></head>
<body>
<h1>${esc(title)}</h1>
<p>Generated by igmpkit from the capture alone: the router's view is the monitor's (RFC 9776 §6, RFC 2236 §7); findings are <code>igmpkit lint</code>'s. Times on the axes are this browser's local time.</p>
${models.map(fileSection).join("\n")}
<script type="application/json" id="igmpkit-model">${json}</script>
<script>${assets.js}</script>
<script>${CLIENT}</script>
</body></html>
`;
}
