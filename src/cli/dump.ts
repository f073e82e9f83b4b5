/**
 * tcpdump's extras of the text output: the link-level text of `-e` and the `-x`/`-xx`/`-X`/`-XX`/`-A`/`-AA`
 * dumps, in tcpdump's own formats (held byte-equal to tcpdump 4.99 by test/cli/tcpdump-habits.test.ts).
 */
import { ETHERNET_OFFSETS, ETHERTYPE, LinkType, SLL_OFFSETS, SLL2_OFFSETS, type DecodedFrameDetail } from "../wire/index.js";

/** Which dump: hex, hex and ASCII, or ASCII; of the network layer on, or (`link`) of the whole frame. */
export interface DumpStyle {
  kind: "hex" | "hex-ascii" | "ascii";
  link: boolean;
}

const ETHERTYPE_NAMES: Record<number, string> = {
  [ETHERTYPE.ipv4]: "IPv4",
  [ETHERTYPE.arp]: "ARP",
  [ETHERTYPE.vlan]: "802.1Q",
  [ETHERTYPE.qinq]: "802.1Q-QinQ",
  [ETHERTYPE.qinqOld]: "802.1Q-9100",
  [ETHERTYPE.ipv6]: "IPv6",
};

const SLL_DIRECTION = ["In", "B", "M", "P", "Out"];

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const hex4 = (n: number): string => n.toString(16).padStart(4, "0");

function etherTypeText(et: number): string {
  return `ethertype ${ETHERTYPE_NAMES[et] ?? "Unknown"} (0x${hex4(et)})`;
}

function isTag(et: number): boolean {
  return et === ETHERTYPE.vlan || et === ETHERTYPE.qinq || et === ETHERTYPE.qinqOld;
}

/** The tags from `at` as tcpdump prints them: "vlan 10, p 0, ethertype IPv4 (0x0800), ". */
function tagsText(data: Uint8Array, at: number, et: number): string {
  let s = "";
  let i = at;
  while (isTag(et) && i + 4 <= data.length) {
    const tci = u16(data, i);
    et = u16(data, i + 2);
    s += `vlan ${tci & 0xfff}, p ${tci >> 13}${tci & 0x1000 ? ", DEI" : ""}, ${etherTypeText(et)}, `;
    i += 4;
  }
  return s;
}

/**
 * `-e`: the link level as tcpdump prints it before the network layer, ending in ":" or (after VLAN tags)
 * ",". Ethernet: "aa:.. > 01:00:5e:.., ethertype 802.1Q (0x8100), length 58: vlan 10, p 0, ethertype IPv4
 * (0x0800),". Linux cooked: "Out 16:f9:13:0b:4e:a6 ethertype IPv4 (0x0800), length 52:".
 */
export function linkLevelText(data: Uint8Array, linkType: number, d: DecodedFrameDetail): string {
  const len = d.frame.len;
  switch (linkType) {
    case LinkType.ethernet: {
      if (data.length < ETHERNET_OFFSETS.headerLength) return `[|ether], length ${len}:`;
      const et = u16(data, ETHERNET_OFFSETS.etherType);
      const head = `${d.frame.macSrc} > ${d.frame.macDst}, ${etherTypeText(et)}, length ${len}`;
      const tags = tagsText(data, ETHERNET_OFFSETS.headerLength, et);
      return tags ? `${head}: ${tags.slice(0, -1)}` : `${head}:`;
    }
    case LinkType.linuxSll:
    case LinkType.linuxSll2: {
      const v2 = linkType === LinkType.linuxSll2;
      const o = v2 ? SLL2_OFFSETS : SLL_OFFSETS;
      if (data.length < o.headerLength) return `[|${v2 ? "sll2" : "sll"}], length ${len}:`;
      const type = data[v2 ? SLL2_OFFSETS.packetType : SLL_OFFSETS.packetType + 1]!;
      const et = u16(data, o.protocol);
      const ifIndex = v2 ? ` ifindex ${((data[4]! << 24) | (data[5]! << 16) | (data[6]! << 8) | data[7]!) >>> 0}` : "";
      const mac = d.frame.macSrc !== null ? ` ${d.frame.macSrc}` : "";
      const head = `${SLL_DIRECTION[type] ?? `type ${type}`}${ifIndex}${mac} ${etherTypeText(et)}, length ${len}`;
      const tags = tagsText(data, o.headerLength, et);
      return tags ? `${head}: ${tags.slice(0, -1)}` : `${head}:`;
    }
    default:
      return `${d.frame.link}, length ${len}:`;
  }
}

/**
 * `-x`, `-X`, `-A` (network layer on) and `-xx`, `-XX` (whole frame), as tcpdump prints them after
 * the line: "\n\t0x0000:  4500 0020 ..." (16 bytes a row, an ASCII column for -X), or "\n" and the bytes
 * as ASCII for -A (non-printing characters as ".").
 */
export function dumpText(data: Uint8Array, d: DecodedFrameDetail, style: DumpStyle): string {
  const from = style.link ? 0 : Math.min(d.link.offset, data.length);
  const bytes = data.subarray(from);
  if (style.kind === "ascii") return `\n${asciiText(bytes)}`;
  let s = "";
  for (let row = 0; row < bytes.length; row += 16) {
    const chunk = bytes.subarray(row, row + 16);
    let hex = "";
    for (let i = 0; i < chunk.length; i += 2) {
      hex += ` ${chunk[i]!.toString(16).padStart(2, "0")}${i + 1 < chunk.length ? chunk[i + 1]!.toString(16).padStart(2, "0") : ""}`;
    }
    s += `\n\t0x${row.toString(16).padStart(4, "0")}: ${hex}`;
    if (style.kind === "hex-ascii") {
      let text = "";
      for (const c of chunk) text += c >= 0x21 && c <= 0x7e ? String.fromCharCode(c) : ".";
      s += `${" ".repeat(40 - hex.length)}  ${text}`;
    }
  }
  return s;
}

/** tcpdump's ascii_print: printable characters, tab, space and newline as they are; a CR before LF dropped. */
function asciiText(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x0d) {
      if (bytes.length - i - 1 > 1 && bytes[i + 1] !== 0x0a) s += ".";
    } else if ((c >= 0x21 && c <= 0x7e) || c === 0x09 || c === 0x20 || c === 0x0a) s += String.fromCharCode(c);
    else s += ".";
  }
  return s;
}
