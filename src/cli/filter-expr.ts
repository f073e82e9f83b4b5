/**
 * Filter expressions in tcpdump's syntax (pcap-filter(7)) for what matters to IGMP, plus IGMP words;
 * parsed to an AST and evaluated on decoded frames in TypeScript (no libpcap needed, files or stdin).
 *
 *   expr      := unary (("and" | "&&" | "or" | "||") unary)*      and/or: equal precedence, left to right
 *   unary     := ("not" | "!") unary | "(" expr ")" | primitive
 *   primitive := [dir] ["host"] ADDR | [dir] "net" NET ["/" LEN | "mask" MASK] | "ether" [dir] "host" MAC
 *              | "vlan" [ID] | "ip" | "igmp" | "ip" "proto" ("igmp" | N) | "proto" N
 *              | "query" | "report" | "leave" | "v1" | "v2" | "v3" | "group" ADDR
 *              | ADDR | NET/LEN                 a bare address takes the previous primitive's qualifiers
 *   dir       := "src" | "dst" | "src or dst" | "src and dst"
 *
 * Departures from libpcap, chosen for IGMP work: address primitives look through VLAN tags (libpcap only
 * matches tagged frames after a `vlan`); `vlan` still counts tags as libpcap does (the n-th `vlan` of the
 * expression tests the n-th tag); host names are not resolved.
 */
import { dottedQuadProblem, ipv4ToNumber, isIPv4, type DecodedFrameDetail, type FrameView, type IgmpKind, type IgmpMessage } from "../wire/index.js";
import { mentionsGroup } from "./output.js";

type Dir = "src" | "dst" | "either" | "both";

/** The AST of a filter expression. */
export type FilterNode =
  | { op: "and" | "or"; left: FilterNode; right: FilterNode }
  | { op: "not"; arg: FilterNode }
  | { op: "host"; dir: Dir; addr: string }
  | { op: "net"; dir: Dir; net: number; mask: number }
  | { op: "ether"; dir: Dir; mac: string }
  | { op: "vlan"; depth: number; id: number | null }
  | { op: "ip" }
  | { op: "proto"; proto: number }
  | { op: "message"; kinds: readonly string[] }
  | { op: "version"; version: 1 | 2 | 3 }
  | { op: "group"; group: string };

/** A filter expression that cannot be compiled; `at` and `length` locate the word in the expression. */
export class FilterSyntaxError extends Error {
  override readonly name = "FilterSyntaxError";
  constructor(
    message: string,
    readonly expression: string,
    readonly at: number,
    readonly length: number,
  ) {
    super(message);
  }

  /** The message, the expression and a caret line under the word. */
  describe(): string {
    return `${this.message}\n  ${this.expression}\n  ${" ".repeat(this.at)}${"^".repeat(Math.max(1, this.length))}`;
  }
}

interface Token {
  text: string;
  at: number;
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(&&|\|\||[()!]|[^\s()!&|]+|[&|])/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < src.length && (m = re.exec(src)) !== null) {
    out.push({ text: m[1]!, at: m.index + m[0].length - m[1]!.length });
  }
  return out;
}

const MESSAGE_WORDS: Record<string, readonly string[]> = {
  query: ["query"],
  report: ["v1-report", "v2-report", "v3-report"],
  leave: ["leave"],
};

/** Words that start a primitive or an operator: a positional argument beginning with one is a filter. */
export const FILTER_WORDS: ReadonlySet<string> = new Set([
  "host", "net", "src", "dst", "ether", "vlan", "ip", "igmp", "proto", "query", "report", "leave",
  "v1", "v2", "v3", "group", "not", "and", "or", "!", "(", "&&", "||",
]);

/**
 * pcap-filter(7) words this filter does not evaluate (other protocols, ports, lengths, byte offsets such as
 * `igmp[0]`...): a positional argument beginning with one is still a filter, refused with a clear error
 * rather than taken for a file name.
 */
export const PCAP_ONLY_WORDS: ReadonlySet<string> = new Set([
  "tcp", "udp", "icmp", "icmp6", "ip6", "arp", "rarp", "sctp", "pim", "vrrp", "carp", "ah", "esp", "port",
  "portrange", "less", "greater", "len", "broadcast", "multicast", "gateway", "protochain", "mpls", "pppoed",
  "pppoes", "geneve", "vxlan", "atalk", "decnet", "iso", "stp", "ipx", "netbeui", "llc", "wlan", "link",
  "inbound", "outbound", "ifname", "on", "type", "subtype", "dir",
]);

/** The word a filter expression starts with: up to a space, bracket or operator (`igmp[0]` gives `igmp`). */
export function firstFilterWord(text: string): string {
  const t = text.trimStart();
  if (/^[(!]/.test(t)) return t[0]!;
  return /^[^\s()!&|[]*/.exec(t)![0];
}

const PROTO_NAMES: Record<string, number> = { igmp: 2, icmp: 1, tcp: 6, udp: 17, pim: 103 };

function netFromParts(text: string): { net: number; bits: number } | null {
  const parts = text.split(".");
  if (parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  let n = 0;
  for (let i = 0; i < 4; i++) n = n * 256 + (i < parts.length ? Number(parts[i]) : 0);
  return { net: n >>> 0, bits: parts.length * 8 };
}

const maskOf = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

class Parser {
  private i = 0;
  private vlans = 0;
  /** The qualifiers of the last primitive, for a bare address after and/or ("host a or b"). */
  private last: { kind: "host" | "net"; dir: Dir } | null = null;

  constructor(
    private readonly src: string,
    private readonly toks: Token[],
  ) {}

  fail(message: string, tok?: Token): never {
    const t = tok ?? this.toks[this.i];
    if (!t) throw new FilterSyntaxError(`${message} at the end of the expression`, this.src, this.src.length, 1);
    throw new FilterSyntaxError(message, this.src, t.at, t.text.length);
  }

  private peek(k = 0): string | undefined {
    return this.toks[this.i + k]?.text;
  }

  private next(what: string): Token {
    const t = this.toks[this.i];
    if (!t) this.fail(`expected ${what}`);
    this.i++;
    return t;
  }

  parse(): FilterNode {
    if (this.toks.length === 0) throw new FilterSyntaxError("empty filter expression", this.src, 0, 1);
    const node = this.expr();
    if (this.i < this.toks.length) this.fail(`unexpected ${JSON.stringify(this.peek())}; expected and, or or the end`);
    return node;
  }

  private expr(): FilterNode {
    let left = this.unary();
    for (;;) {
      const w = this.peek();
      if (w === "and" || w === "&&") {
        this.i++;
        left = { op: "and", left, right: this.unary() };
      } else if (w === "or" || w === "||") {
        this.i++;
        left = { op: "or", left, right: this.unary() };
      } else return left;
    }
  }

  private unary(): FilterNode {
    const w = this.peek();
    if (w === "not" || w === "!") {
      this.i++;
      return { op: "not", arg: this.unary() };
    }
    if (w === "(") {
      const open = this.next("(");
      const inner = this.expr();
      if (this.peek() !== ")") this.fail(this.i < this.toks.length ? `expected ")" to close the "(" at ${open.at + 1}` : `unclosed "("`, this.toks[this.i] ?? open);
      this.i++;
      return inner;
    }
    return this.primitive();
  }

  private dir(): Dir | null {
    const w = this.peek();
    if (w !== "src" && w !== "dst") return null;
    this.i++;
    const conj = this.peek();
    const other = w === "src" ? "dst" : "src";
    if ((conj === "or" || conj === "and") && this.peek(1) === other) {
      this.i += 2;
      return conj === "or" ? "either" : "both";
    }
    return w;
  }

  /** A dotted quad (no leading zeros: 010 would be octal to some tools, decimal to others). */
  private address(what: string): string {
    const t = this.next(`an IPv4 address after ${what}`);
    const why = dottedQuadProblem(t.text);
    if (why !== undefined) this.fail(`${JSON.stringify(t.text)} ${why}${isIPv4(t.text) ? "" : "; host names are not resolved"}`, t);
    return t.text;
  }

  private net(dir: Dir): FilterNode {
    const t = this.next("a network after net");
    let text = t.text;
    let bits: number | undefined;
    const slash = text.indexOf("/");
    if (slash >= 0) {
      bits = Number(text.slice(slash + 1));
      text = text.slice(0, slash);
      if (!/^\d{1,2}$/.test(t.text.slice(slash + 1)) || bits > 32) this.fail(`${JSON.stringify(t.text)}: the prefix length must be 0 to 32`, t);
    }
    const parsed = netFromParts(text);
    if (!parsed) this.fail(`${JSON.stringify(t.text)} is not a network (a.b.c.d/len, a.b.c, a.b or a)`, t);
    let mask = maskOf(bits ?? parsed.bits);
    if (bits === undefined && this.peek() === "mask") {
      this.i++;
      const m = this.next("a netmask after mask");
      if (!isIPv4(m.text)) this.fail(`${JSON.stringify(m.text)} is not a netmask`, m);
      mask = ipv4ToNumber(m.text) >>> 0;
    }
    if ((parsed.net & ~mask) >>> 0 !== 0) this.fail(`${JSON.stringify(t.text)}: non-network bits set`, t);
    this.last = { kind: "net", dir };
    return { op: "net", dir, net: parsed.net, mask };
  }

  private primitive(): FilterNode {
    const tok = this.toks[this.i];
    if (!tok) this.fail("expected a primitive (host, net, vlan, igmp, query, report, leave, group...)");
    const dir = this.dir();
    const w = this.peek();
    if (w === "host") {
      this.i++;
      const addr = this.address("host");
      this.last = { kind: "host", dir: dir ?? "either" };
      return { op: "host", dir: dir ?? "either", addr };
    }
    if (w === "net") {
      this.i++;
      return this.net(dir ?? "either");
    }
    if (dir !== null) {
      if (w !== undefined && (isIPv4(w) || /^[\d.]+\/\d+$/.test(w))) return this.bare(dir);
      this.fail(`expected host, net or an address after ${JSON.stringify(tok.text)}`, this.toks[this.i] ?? tok);
    }
    this.i++;
    switch (w) {
      case "ether": {
        const d = this.dir() ?? "either";
        if (this.peek() === "host") this.i++;
        const t = this.next("a MAC address after ether");
        if (!/^([0-9a-f]{1,2}[:.-]){5}[0-9a-f]{1,2}$/i.test(t.text)) this.fail(`${JSON.stringify(t.text)} is not a MAC address`, t);
        const mac = t.text.split(/[:.-]/).map((p) => p.toLowerCase().padStart(2, "0")).join(":");
        return { op: "ether", dir: d, mac };
      }
      case "vlan": {
        let id: number | null = null;
        const n = this.peek();
        if (n !== undefined && /^\d+$/.test(n)) {
          id = Number(n);
          if (id > 4095) this.fail(`VLAN ID ${n} is greater than 4095`);
          this.i++;
        }
        return { op: "vlan", depth: this.vlans++, id };
      }
      case "ip":
        if (this.peek() === "proto") {
          this.i++;
          return this.proto();
        }
        return { op: "ip" };
      case "proto":
        return this.proto();
      case "igmp":
        return { op: "proto", proto: 2 };
      case "query":
      case "report":
      case "leave":
        return { op: "message", kinds: MESSAGE_WORDS[w]! };
      case "v1":
      case "v2":
      case "v3":
        return { op: "version", version: Number(w[1]) as 1 | 2 | 3 };
      case "group": {
        return { op: "group", group: this.address("group") };
      }
      default:
        this.i--;
        if (w !== undefined && (isIPv4(w) || /^[\d.]+\/\d+$/.test(w))) return this.bare(this.last?.dir ?? "either");
        if (w !== undefined && w.includes("[")) this.fail(`${JSON.stringify(w)}: byte offsets are pcap-filter(7) syntax this filter does not evaluate; use query, report, leave, v1, v2, v3 or group ADDR`);
        if (w !== undefined && PCAP_ONLY_WORDS.has(w)) this.fail(`${JSON.stringify(w)} is pcap-filter(7) syntax this filter does not evaluate (it reads IGMP); expected host, net, src, dst, ether, vlan, ip, igmp, proto, query, report, leave, v1, v2, v3, group or not`);
        this.fail(`unknown word ${JSON.stringify(w)}; expected host, net, src, dst, ether, vlan, ip, igmp, query, report, leave, v1, v2, v3, group, not or an address`);
    }
  }

  /** An address or network standing alone: as the previous primitive's kind (host by default). */
  private bare(dir: Dir): FilterNode {
    const w = this.peek()!;
    if (w.includes("/") || this.last?.kind === "net") return this.net(dir);
    const addr = this.address("host");
    this.last = { kind: "host", dir };
    return { op: "host", dir, addr };
  }

  private proto(): FilterNode {
    const t = this.next("a protocol after proto");
    const n = /^\d+$/.test(t.text) ? Number(t.text) : PROTO_NAMES[t.text];
    if (n === undefined || n > 255) this.fail(`${JSON.stringify(t.text)} is not a protocol (a number 0-255 or igmp, icmp, tcp, udp, pim)`, t);
    return { op: "proto", proto: n };
  }
}

/** Parse a filter expression (the words joined by spaces, as tcpdump does); throws {@link FilterSyntaxError}. */
export function parseFilter(expression: string): FilterNode {
  return new Parser(expression, tokenize(expression)).parse();
}

function byDir(dir: Dir, s: boolean, d: boolean): boolean {
  return dir === "src" ? s : dir === "dst" ? d : dir === "both" ? s && d : s || d;
}

function version(m: IgmpMessage): number | null {
  switch (m.kind) {
    case "query":
      return m.version;
    case "v1-report":
      return 1;
    case "v2-report":
    case "leave":
      return 2;
    case "v3-report":
      return 3;
    default:
      return null;
  }
}

/** Evaluate a filter on a decoded frame. */
export function evaluateFilter(node: FilterNode, d: DecodedFrameDetail): boolean {
  const f = d.frame;
  switch (node.op) {
    case "and":
      return evaluateFilter(node.left, d) && evaluateFilter(node.right, d);
    case "or":
      return evaluateFilter(node.left, d) || evaluateFilter(node.right, d);
    case "not":
      return !evaluateFilter(node.arg, d);
    case "host":
      return d.ip !== null && byDir(node.dir, d.ip.src === node.addr, d.ip.dst === node.addr);
    case "net": {
      if (d.ip === null) return false;
      const inNet = (a: string): boolean => (ipv4ToNumber(a) & node.mask) >>> 0 === node.net;
      return byDir(node.dir, inNet(d.ip.src), inNet(d.ip.dst));
    }
    case "ether":
      return byDir(node.dir, f.macSrc === node.mac, f.macDst === node.mac);
    case "vlan":
      return f.vlan.length > node.depth && (node.id === null || f.vlan[node.depth] === node.id);
    case "ip":
      return d.link.etherType === 0x0800 && d.ip !== null;
    case "proto":
      return d.ip !== null && d.ip.protocol === node.proto;
    case "message":
      return f.igmp !== null && node.kinds.includes(f.igmp.kind);
    case "version":
      return f.igmp !== null && version(f.igmp) === node.version;
    case "group":
      return mentionsGroup(f, node.group);
  }
}

/** The kinds {@link evaluateOnView} judges; for the rest the decoded frame is needed. */
const VIEW_KINDS: ReadonlySet<IgmpKind> = new Set(["query", "v1-report", "v2-report", "leave", "v3-report"]);

function viewVersion(v: FrameView, kind: IgmpKind): number | null {
  if (kind === "query") return v.version;
  return kind === "v1-report" ? 1 : kind === "v3-report" ? 3 : 2;
}

function viewMentionsGroup(v: FrameView, kind: IgmpKind, group: number): boolean {
  if (kind !== "v3-report") return v.group === group;
  for (let k = 0, r = v.firstRecord; k < v.recordCount; k++, r = v.nextRecord(r)) {
    const at = v.recordGroupOffset(r);
    const b = v.data;
    if ((((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0) === group) return true;
  }
  return false;
}

function macAt(v: FrameView, at: number, mac: string): boolean {
  if (at < 0) return false;
  for (let k = 0; k < 6; k++) if (v.data[at + k] !== parseInt(mac.slice(3 * k, 3 * k + 2), 16)) return false;
  return true;
}

/**
 * Evaluate a filter on a clean frame's view (no decoding), as {@link evaluateFilter} would on the decoded
 * frame; `undefined` when the view cannot tell (not clean, or a kind other than queries, reports and
 * leaves), and the caller decodes. Held equal to evaluateFilter by a property test.
 */
export function evaluateOnView(node: FilterNode, v: FrameView): boolean | undefined {
  if (!v.clean) return undefined;
  const kind = v.kind;
  if (!VIEW_KINDS.has(kind)) return undefined;
  const test = (n: FilterNode): boolean => {
    switch (n.op) {
      case "and":
        return test(n.left) && test(n.right);
      case "or":
        return test(n.left) || test(n.right);
      case "not":
        return !test(n.arg);
      case "host": {
        const a = ipv4ToNumber(n.addr) >>> 0;
        return byDir(n.dir, v.ipSrc === a, v.ipDst === a);
      }
      case "net":
        return byDir(n.dir, (v.ipSrc & n.mask) >>> 0 === n.net, (v.ipDst & n.mask) >>> 0 === n.net);
      case "ether":
        return byDir(n.dir, macAt(v, v.macSrcOffset, n.mac), macAt(v, v.macDstOffset, n.mac));
      case "vlan":
        return v.vlanCount > n.depth && (n.id === null || v.vlanId(n.depth) === n.id);
      case "ip":
        return v.etherType === 0x0800;
      case "proto":
        return v.protocol === n.proto;
      case "message":
        return n.kinds.includes(kind);
      case "version":
        return viewVersion(v, kind) === n.version;
      case "group":
        return viewMentionsGroup(v, kind, ipv4ToNumber(n.group) >>> 0);
    }
  };
  return test(node);
}

/** A compiled filter: on decoded frames, and on clean frames' views where it can tell. */
export interface CompiledFilter {
  (d: DecodedFrameDetail): boolean;
  onView(v: FrameView): boolean | undefined;
}

/** Compile an expression to a predicate over decoded frames (and views); throws {@link FilterSyntaxError}. */
export function compileFilter(expression: string): CompiledFilter {
  const ast = parseFilter(expression);
  return Object.assign((d: DecodedFrameDetail) => evaluateFilter(ast, d), { onView: (v: FrameView) => evaluateOnView(ast, v) });
}
