/**
 * The socket API's side of a host (RFC 9776 §2, RFC 3678 names): the sockets, the per-(interface, group)
 * reception states they hold, and the checks a kernel makes on each call. The protocol (src/host/host.ts)
 * reads the merged state per (interface, group) from here and never sees a socket.
 */
import { isIPv4, isMulticast, isSsm } from "../wire/index.js";
import { HostErrorCode, type HostError } from "./errors.js";
import { filterToJson, mergeFilters, type FilterMode, type SourceFilter } from "./filter.js";
import type { HostProfile } from "./profile.js";

/** One socket's reception state for one (interface, group). */
export interface Membership {
  iface: string;
  group: string;
  mode: FilterMode;
  sources: Set<string>;
}

/** An open socket. */
export interface Socket {
  id: number;
  /** Keyed by `iface|group`, in join order. */
  memberships: Map<string, Membership>;
}

/** A host's error for a misuse, with the errno a kernel would give when the profile says so. */
export type MisuseError = (code: HostErrorCode, message: string, errno: string) => HostError;

const ANY = "0.0.0.0";
const key = (iface: string, group: string): string => `${iface}|${group}`;

/** The sockets of one host. Every method that changes a reception state returns whether it did. */
export class SocketTable {
  private readonly sockets = new Map<number, Socket>();
  /**
   * The sockets holding a membership, per `iface|group`: merging a group's state looks at those only, not
   * at every socket (a scan of all was quadratic in sockets per host: 128k join/leave events took 191 s).
   */
  private readonly holders = new Map<string, Set<Socket>>();
  private memberCount = 0;
  private nextSocketId = 1;

  constructor(
    private readonly profile: HostProfile,
    private readonly err: MisuseError,
  ) {}

  /** Open a socket; returns its id. */
  open(): number {
    const id = this.nextSocketId++;
    this.sockets.set(id, { id, memberships: new Map() });
    return id;
  }

  /** Close a socket; returns the memberships it held (each one's group changed). */
  close(socket: number): Membership[] {
    const s = this.socket(socket);
    this.sockets.delete(socket);
    this.memberCount -= s.memberships.size;
    for (const k of s.memberships.keys()) {
      const set = this.holders.get(k);
      set?.delete(s);
      if (set !== undefined && set.size === 0) this.holders.delete(k);
    }
    return [...s.memberships.values()];
  }

  /** The open socket `id`, or a no-such-socket error. */
  socket(id: number): Socket {
    const s = this.sockets.get(id);
    if (s === undefined) throw this.err(HostErrorCode.noSuchSocket, `no open socket ${id}`, "EBADF");
    return s;
  }

  /** Open socket ids. */
  ids(): number[] {
    return [...this.sockets.keys()];
  }

  /** A socket's memberships, as JSON. */
  state(socket: number): { iface: string; group: string; mode: FilterMode; sources: string[] }[] {
    return [...this.socket(socket).memberships.values()].map((m) => ({ iface: m.iface, group: m.group, ...filterToJson(m) }));
  }

  /** Socket memberships held, over all sockets. */
  get membershipCount(): number {
    return this.memberCount;
  }

  /** The interface's reception state for the group: the §3.2 merge of the sockets' states. */
  merged(iface: string, group: string): SourceFilter {
    const k = key(iface, group);
    const holders = this.holders.get(k);
    if (holders === undefined || holders.size === 0) return mergeFilters([]);
    // in socket order, as a scan of every socket would give them (the merge keeps source order)
    const list = holders.size === 1 ? [...holders] : [...holders].sort((a, b) => a.id - b.id);
    return mergeFilters(list.map((s) => s.memberships.get(k)!));
  }

  checkGroup(group: string): void {
    if (!isIPv4(group)) throw this.err(HostErrorCode.badAddress, `not an IPv4 address: ${JSON.stringify(group)}`, "EINVAL");
    if (!isMulticast(group)) throw this.err(HostErrorCode.notMulticast, `${group} is not a multicast address`, "EINVAL");
  }

  checkSource(source: string): void {
    if (!isIPv4(source) || isMulticast(source) || source === ANY || source === "255.255.255.255")
      throw this.err(HostErrorCode.badAddress, `source ${JSON.stringify(source)} is not a unicast IPv4 address`, "EINVAL");
  }

  /** Any-source join: the socket's state becomes EXCLUDE {} (IP_ADD_MEMBERSHIP). */
  join(s: Socket, iface: string, group: string): void {
    if (this.profile.refuseSsmExclude && isSsm(group))
      throw this.err(HostErrorCode.ssmExclude, `any-source join of SSM address ${group} (RFC 4604 §2.2.1)`, "EINVAL");
    if (s.memberships.has(key(iface, group)))
      throw this.err(HostErrorCode.alreadyJoined, `socket ${s.id} already joined ${group} on ${iface}`, "EADDRINUSE");
    this.checkGroupLimit(s);
    this.hold(s, key(iface, group), { iface, group, mode: "exclude", sources: new Set() });
  }

  /** Leave whatever the socket has for the group (IP_DROP_MEMBERSHIP). */
  leave(s: Socket, iface: string, group: string): void {
    if (!this.unhold(s, key(iface, group)))
      throw this.err(HostErrorCode.notJoined, `socket ${s.id} has not joined ${group} on ${iface}`, "EADDRNOTAVAIL");
  }

  /** Add `source` to an INCLUDE membership, creating it (IP_ADD_SOURCE_MEMBERSHIP); false when it was there. */
  joinSource(s: Socket, iface: string, group: string, source: string): boolean {
    const m = s.memberships.get(key(iface, group));
    if (m === undefined) {
      this.checkGroupLimit(s);
      this.hold(s, key(iface, group), { iface, group, mode: "include", sources: new Set([source]) });
      return true;
    }
    return this.addSource(s, m, source, "include", `an any-source membership of ${group}: block sources instead`, "includes");
  }

  /** Remove `source` from an INCLUDE membership; the last one leaves the group (IP_DROP_SOURCE_MEMBERSHIP). */
  leaveSource(s: Socket, iface: string, group: string, source: string): void {
    const m = this.dropSource(s, iface, group, source, "include", `an any-source membership of ${group}: unblock sources instead`, "include");
    if (m.sources.size === 0) this.unhold(s, key(iface, group));
  }

  /** Add `source` to an EXCLUDE membership's list (IP_BLOCK_SOURCE); false when it was there. */
  blockSource(s: Socket, iface: string, group: string, source: string): boolean {
    const m = this.membership(s, iface, group);
    return this.addSource(s, m, source, "exclude", `a source-specific membership of ${group}: leave sources instead`, "blocks");
  }

  /** Remove `source` from an EXCLUDE membership's list (IP_UNBLOCK_SOURCE). */
  unblockSource(s: Socket, iface: string, group: string, source: string): void {
    this.dropSource(s, iface, group, source, "exclude", `a source-specific membership of ${group}`, "block");
  }

  /** Replace the socket's state for the group (RFC 3678 setsourcefilter); INCLUDE {} leaves it. */
  setSourceFilter(s: Socket, iface: string, group: string, mode: FilterMode, sources: readonly string[]): void {
    if (mode !== "include" && mode !== "exclude") throw this.err(HostErrorCode.badArgument, `filter mode ${String(mode)}`, "EINVAL");
    for (const src of sources) this.checkSource(src);
    const set = new Set(sources);
    this.checkSourceLimit(set.size, group);
    if (mode === "exclude" && this.profile.refuseSsmExclude && isSsm(group))
      throw this.err(HostErrorCode.ssmExclude, `EXCLUDE-mode filter for SSM address ${group} (RFC 4604 §2.2.1)`, "EINVAL");
    const k = key(iface, group);
    if (mode === "include" && set.size === 0) {
      this.unhold(s, k);
    } else {
      if (!s.memberships.has(k)) this.checkGroupLimit(s);
      this.hold(s, k, { iface, group, mode, sources: set });
    }
  }

  private hold(s: Socket, k: string, m: Membership): void {
    if (!s.memberships.has(k)) this.memberCount++;
    s.memberships.set(k, m);
    let set = this.holders.get(k);
    if (set === undefined) this.holders.set(k, (set = new Set()));
    set.add(s);
  }

  private unhold(s: Socket, k: string): boolean {
    if (!s.memberships.delete(k)) return false;
    this.memberCount--;
    const set = this.holders.get(k);
    set?.delete(s);
    if (set !== undefined && set.size === 0) this.holders.delete(k);
    return true;
  }

  /** Put `source` on the list of a membership in `mode` (false when it was there); `conflict` says what the socket has instead. */
  private addSource(s: Socket, m: Membership, source: string, mode: FilterMode, conflict: string, verb: string): boolean {
    if (m.mode !== mode) throw this.err(HostErrorCode.modeConflict, `socket ${s.id} has ${conflict}`, "EINVAL");
    if (m.sources.has(source)) {
      if (this.profile.duplicateSourceIsError) throw this.err(HostErrorCode.sourceAlreadyPresent, `socket ${s.id} already ${verb} ${source} for ${m.group}`, "EADDRNOTAVAIL");
      return false;
    }
    this.checkSourceLimit(m.sources.size + 1, m.group);
    m.sources.add(source);
    return true;
  }

  /** Take `source` off the list of a membership in `mode`; `conflict` says what the socket has instead. */
  private dropSource(s: Socket, iface: string, group: string, source: string, mode: FilterMode, conflict: string, verb: string): Membership {
    const m = this.membership(s, iface, group);
    if (m.mode !== mode) throw this.err(HostErrorCode.modeConflict, `socket ${s.id} has ${conflict}`, "EINVAL");
    if (!m.sources.delete(source)) throw this.err(HostErrorCode.sourceNotFound, `socket ${s.id} does not ${verb} ${source} for ${group}`, "EADDRNOTAVAIL");
    return m;
  }

  private membership(s: Socket, iface: string, group: string): Membership {
    const m = s.memberships.get(key(iface, group));
    if (m === undefined) throw this.err(HostErrorCode.notJoined, `socket ${s.id} has not joined ${group} on ${iface}`, "EINVAL");
    return m;
  }

  private checkGroupLimit(s: Socket): void {
    const max = this.profile.maxGroupsPerSocket;
    if (max !== null && s.memberships.size >= max)
      throw this.err(HostErrorCode.tooManyGroups, `socket ${s.id} already has ${max} groups`, "ENOBUFS");
  }

  private checkSourceLimit(n: number, group: string): void {
    const max = this.profile.maxSourcesPerSocketGroup;
    if (max !== null && n > max) throw this.err(HostErrorCode.tooManySources, `${n} sources for ${group}: at most ${max} per socket`, "ENOBUFS");
  }
}
