/**
 * The peer tools' views of the same kernel tables, for cross-checks: `ip maddr show` (groups and users per
 * interface, link addresses) and `ip mroute show` (the forwarding cache by device name).
 */

/** `ip maddr show`: per interface its IPv4 groups with users, and its link-layer addresses. */
export function parseIpMaddr(text: string): Map<string, { groups: Map<string, number>; links: string[] }> {
  const out = new Map<string, { groups: Map<string, number>; links: string[] }>();
  let cur: { groups: Map<string, number>; links: string[] } | undefined;
  for (const line of text.split("\n")) {
    const dev = /^\d+:\s+(\S+)/.exec(line);
    if (dev) {
      cur = { groups: new Map(), links: [] };
      out.set(dev[1]!, cur);
      continue;
    }
    const inet = /^\s+inet\s+(\S+)(?:\s+users\s+(\d+))?/.exec(line);
    if (inet && cur) cur.groups.set(inet[1]!, Number(inet[2] ?? 1));
    const link = /^\s+link\s+(\S+)/.exec(line);
    if (link && cur) cur.links.push(link[1]!);
  }
  return out;
}

/** One line of `ip mroute show`. */
export interface IpMroute {
  origin: string;
  group: string;
  /** Device name, or "unresolved". */
  iif: string;
  oifs: string[];
  state: string;
}

/** `ip mroute show` text. */
export function parseIpMroute(text: string): IpMroute[] {
  const out: IpMroute[] = [];
  for (const line of text.split("\n")) {
    const m = /^\((\S+),\s*(\S+)\)\s+Iif:\s+(\S+)\s+(?:Oifs:\s+(.*?)\s+)?State:\s+(\S+)/.exec(line);
    if (!m) continue;
    out.push({
      origin: m[1]!,
      group: m[2]!,
      iif: m[3]!,
      oifs: (m[4] ?? "").split(/\s+/).filter(Boolean).map((o) => o.replace(/\(ttl \d+\)/, "")),
      state: m[5]!,
    });
  }
  return out;
}
