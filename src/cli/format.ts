/**
 * Text rendering of decoded frames, in the spirit of `tcpdump -n`: one line per message, `-v` for every
 * field. Shared by `decode` and `capture` so that both print the same thing.
 */
import { timeOfDay, type Timestamper } from "./timestamps.js";
import { groupRecordShortName, type DecodedFrameDetail, type GroupRecord, type IgmpMessage, type IPv4Header, type WireIssue } from "../wire/index.js";

/**
 * How a line's time is printed: the time of day, local (as tcpdump) or UTC; exact seconds since the epoch
 * ("seconds.nnnnnnnnn", `--epoch`); or a {@link Timestamper} for tcpdump's `-t` family.
 */
export type TimeFormat = "local" | "utc" | "epoch" | Timestamper;

/** The time text of a line ("" for `-t`) for the JSON model's "seconds.nnnnnnnnn" time. */
export function formatTime(time: string, fmt: TimeFormat): string {
  if (fmt === "epoch") return time;
  if (typeof fmt === "object") return fmt.stamp(time);
  return timeOfDay(time, fmt === "utc");
}

function sources(list: readonly string[]): string {
  return `{${list.join(", ")}}`;
}

function recordText(r: GroupRecord): string {
  const name = groupRecordShortName(r.type);
  return `${name} ${r.group} ${sources(r.sources)}${r.auxData ? ` aux ${r.auxData.length / 2}B` : ""}`;
}

/** One-line summary of an IGMP message (without addresses). */
export function describeIgmp(m: IgmpMessage): string {
  switch (m.kind) {
    case "query": {
      if (m.version === null) return `IGMP query of invalid length, group ${m.group}`;
      const scope =
        m.group === "0.0.0.0"
          ? "general"
          : m.version === 3 && m.sources.length > 0
            ? `group-and-source-specific ${m.group} ${sources(m.sources)}`
            : `group-specific ${m.group}`;
      if (m.version === 1) return `IGMPv1 query, ${scope}`;
      if (m.version === 2) return `IGMPv2 query, ${scope}, max resp ${m.maxRespTime}s`;
      const qrv = m.qrvDefault ? "qrv default" : `qrv ${m.qrv}`;
      const qqi = m.qqiDefault ? "qqi default" : `qqi ${m.qqi}s`;
      return `IGMPv3 query, ${scope}, max resp ${m.maxRespTime}s, ${qrv}, ${qqi}${m.sFlag ? ", S" : ""}`;
    }
    case "v1-report":
      return `IGMPv1 report ${m.group}`;
    case "v2-report":
      return `IGMPv2 report ${m.group}`;
    case "leave":
      return `IGMPv2 leave ${m.group}`;
    case "v3-report":
      return `IGMPv3 report, ${m.records.length} record${m.records.length === 1 ? "" : "s"}: ${m.records.map(recordText).join("; ")}`;
    case "mtrace-request":
    case "mtrace-response":
      return `mtrace ${m.phase} ${m.source} > ${m.destination} group ${m.group}, ${m.blocks.length} block(s), id 0x${m.queryId.toString(16)}`;
    case "mrd-advertisement":
      return `MRD advertisement, interval ${m.advertisementInterval}s, query interval ${m.queryInterval}s, robustness ${m.robustness}`;
    case "mrd-solicitation":
      return "MRD solicitation";
    case "mrd-termination":
      return "MRD termination";
    default:
      return `IGMP ${m.name ?? m.kind} type 0x${m.type.toString(16)} code ${m.code}, ${m.body.length / 2} bytes`;
  }
}

function issues(list: readonly WireIssue[], label: string): string {
  return list.map((e) => ` [${label}${e.layer}/${e.code} at ${e.offset}: ${e.message}]`).join("");
}

/** What `-e` and `-q` change in the one-line form. */
export interface LineOptions {
  /** `-e`: this link-level text (tcpdump's "MAC > MAC, ethertype ..., length N:") replaces the vlan word. */
  linkText?: string;
  /** `-q`: the message's kind and version only. */
  brief?: boolean;
}

/** The message's kind and version (`-q`): "IGMPv3 report", "IGMPv2 query", "IGMPv2 leave", "mtrace-request"... */
export function briefIgmp(m: IgmpMessage): string {
  switch (m.kind) {
    case "query":
      return m.version === null ? "IGMP query" : `IGMPv${m.version} query`;
    case "v1-report":
      return "IGMPv1 report";
    case "v2-report":
      return "IGMPv2 report";
    case "v3-report":
      return "IGMPv3 report";
    case "leave":
      return "IGMPv2 leave";
    default:
      return m.kind;
  }
}

/** The one-line form. */
export function formatLine(d: DecodedFrameDetail, time: TimeFormat, opts?: LineOptions): string {
  const f = d.frame;
  const t = formatTime(f.time, time);
  let s = t;
  if (opts?.linkText !== undefined) s += `${s ? " " : ""}${opts.linkText}`;
  else if (f.vlan.length) s += ` vlan ${f.vlan.join(".")}`;
  if (f.ipSrc !== null) s += ` ${f.ipSrc} > ${f.ipDst}:`;
  else if (f.macSrc !== null && opts?.linkText === undefined) s += ` ${f.macSrc} > ${f.macDst ?? "?"}:`;
  if (f.igmp) {
    s += ` ${opts?.brief ? briefIgmp(f.igmp) : describeIgmp(f.igmp)}`;
    if (f.igmp.checksumValid === false)
      s += ` [bad igmp cksum 0x${hex4(f.igmp.checksum)}, expected 0x${hex4(f.igmp.checksumExpected ?? 0)}]`;
  } else if (f.other) s += ` ${f.other} (not IGMP)`;
  else if (f.errors.length === 0) s += " (not IGMP)";
  s += issues(f.errors, "");
  s += issues(f.warnings, "warning ");
  // -t: no time, and no space before what follows
  return t === "" && s.charCodeAt(0) === 0x20 ? s.slice(1) : s;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

function ipDetail(ip: IPv4Header): string {
  const opts = ip.options
    .map((o) => (o.type === 0x94 ? "RA" : o.type === 0 ? "EOL" : o.type === 1 ? "NOP" : `opt-0x${o.type.toString(16)}${o.data ? `(${o.data})` : ""}`))
    .join(",");
  return (
    `    IPv4 tos 0x${ip.tos.toString(16)}, ttl ${ip.ttl}, id ${ip.id}, flags 0x${ip.flags.toString(16)}, length ${ip.totalLength}` +
    `, cksum 0x${hex4(ip.checksum)} ${ip.checksumValid ? "(correct)" : "(incorrect)"}${opts ? `, options (${opts})` : ", no options"}`
  );
}

/** Every field, indented under the one-line form. */
export function formatVerbose(d: DecodedFrameDetail, time: TimeFormat, opts?: LineOptions): string {
  const f = d.frame;
  const lines = [`${formatLine(d, time, opts)}`];
  lines.push(`    frame ${f.frame}, ${f.len} bytes on wire, ${f.caplen} captured, link ${f.link}${f.macSrc ? `, ${f.macSrc} > ${f.macDst ?? "?"}` : ""}`);
  if (d.ip) lines.push(ipDetail(d.ip));
  const m = f.igmp;
  if (m) {
    const ck = m.checksumValid === null ? "(not verified: truncated)" : m.checksumValid ? "(correct)" : `(incorrect, expected 0x${hex4(m.checksumExpected ?? 0)})`;
    lines.push(`    IGMP type 0x${m.type.toString(16)} (${m.kind}), cksum 0x${hex4(m.checksum)} ${ck}`);
    switch (m.kind) {
      case "query":
        lines.push(`    group ${m.group}, max resp code ${m.maxRespCode} (${m.maxRespTime === null ? "n/a" : `${m.maxRespTime}s`})`);
        if (m.version === 3) {
          lines.push(
            `    S ${m.sFlag ? 1 : 0}, QRV ${m.qrv}${m.qrvDefault ? " (default: 2)" : ""}, QQIC ${m.qqic} = QQI ${m.qqi}s${m.qqiDefault ? " (default: 125s)" : ""}` +
              `${m.resv ? `, resv 0x${m.resv.toString(16)}` : ""}${m.eFlag ? ", E" : ""}, ${m.sources.length} source(s)`,
          );
          for (const s of m.sources) lines.push(`      source ${s}`);
          if (m.additionalData) lines.push(`    additional data ${m.additionalData}`);
          for (const e of m.extensions ?? []) lines.push(`    extension type ${e.type} value ${e.value || "(empty)"}`);
        } else if (m.extra) lines.push(`    extra bytes ${m.extra}`);
        break;
      case "v3-report":
        m.records.forEach((r, i) => {
          lines.push(`    record ${i + 1}: ${r.kind} (${r.type}) group ${r.group}, ${r.sources.length} source(s)${r.auxData ? `, aux data ${r.auxData}` : ""}`);
          for (const s of r.sources) lines.push(`      source ${s}`);
        });
        if (m.additionalData) lines.push(`    additional data ${m.additionalData}`);
        for (const e of m.extensions ?? []) lines.push(`    extension type ${e.type} value ${e.value || "(empty)"}`);
        break;
      case "v1-report":
      case "v2-report":
      case "leave":
        if (m.extra) lines.push(`    extra bytes ${m.extra}`);
        break;
      case "mtrace-request":
      case "mtrace-response":
        lines.push(`    hops ${m.hops}, response to ${m.responseAddress} ttl ${m.responseTtl}`);
        m.blocks.forEach((b, i) =>
          lines.push(
            `    block ${i + 1}: in ${b.incomingInterface} out ${b.outgoingInterface} prev ${b.previousHop}, fwd ttl ${b.fwdTtl}, proto ${b.rtgProtocol}, code 0x${b.forwardingCode.toString(16)}, counts ${b.inputCount}/${b.outputCount}/${b.totalCount}`,
          ),
        );
        break;
      default:
        break;
    }
  }
  return lines.join("\n");
}
