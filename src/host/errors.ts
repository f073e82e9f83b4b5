/**
 * Typed errors of the host emulator: local misuse of the socket API (joining a unicast "group", leaving
 * what was not joined, going over a profile's limits). A remote peer's bad packet never throws: the host
 * counts and drops it.
 */

/** The closed set of host error codes. Stable: tools may match on them. */
export const HostErrorCode = {
  /** The group is not a multicast address (RFC 9776 §2: the API takes a multicast address). */
  notMulticast: "not-multicast",
  /** A string that is not a dotted-quad IPv4 address, or a source that is not a unicast address. */
  badAddress: "bad-address",
  /** The socket already has the group on that interface (Linux: EADDRINUSE). */
  alreadyJoined: "already-joined",
  /** The socket has no membership for the group on that interface (Linux: EADDRNOTAVAIL). */
  notJoined: "not-joined",
  /** The source is not in the socket's source list (Linux: EADDRNOTAVAIL). */
  sourceNotFound: "source-not-found",
  /** The source is already in the socket's source list. */
  sourceAlreadyPresent: "source-already-present",
  /** A source operation that does not fit the socket's filter mode, e.g. blockSource on an INCLUDE membership (Linux: EINVAL). */
  modeConflict: "mode-conflict",
  /** The profile's limit on groups per socket (Linux: igmp_max_memberships = 20, ENOBUFS). */
  tooManyGroups: "too-many-groups",
  /** The profile's limit on sources per socket and group (Linux: igmp_max_msf = 10, ENOBUFS). */
  tooManySources: "too-many-sources",
  /** An any-source (EXCLUDE-mode) request for an SSM address, refused per RFC 4604 §2.2.1. */
  ssmExclude: "ssm-exclude",
  /** No interface of that name (Linux: ENODEV). */
  noSuchInterface: "no-such-interface",
  /** No open socket with that id (Linux: EBADF). */
  noSuchSocket: "no-such-socket",
  /** A bad option or argument (an MTU too small for one record, an unknown profile...). */
  badArgument: "bad-argument",
  /**
   * More than the emulator holds in memory: hosts, memberships or timeline operations above the limits
   * of src/host/scenario.ts (MAX_HOSTS, MAX_MEMBERSHIPS, MAX_HOST_OPS).
   */
  limitExceeded: "limit-exceeded",
  /** A scenario file that does not validate; `details` lists every problem with its JSON path. */
  badScenario: "bad-scenario",
} as const;
export type HostErrorCode = (typeof HostErrorCode)[keyof typeof HostErrorCode];

/** A local misuse of the emulated host. `errno` is set under the "linux" profile. */
export class HostError extends Error {
  override readonly name = "HostError";
  constructor(
    readonly code: HostErrorCode,
    message: string,
    /** The errno a Linux kernel returns for the same call ("EADDRINUSE"...), under the linux profile. */
    readonly errno?: string,
    /** For bad-scenario: one line per problem. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Recognise a HostError by name and code, safe across duplicate copies of this package. */
export function isHostError(e: unknown): e is HostError {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "HostError" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}
