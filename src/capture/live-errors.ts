/** The errors of live capture: one class with a closed set of codes, recognisable across package copies. */

/** Why a live capture failed. */
export const CaptureErrorCode = {
  /** The `cap` module is not installed or not built, or libpcap is missing. */
  capMissing: "cap-missing",
  /** Not root and no CAP_NET_RAW/CAP_NET_ADMIN. */
  notPermitted: "not-permitted",
  noSuchInterface: "no-such-interface",
  /** libpcap could not compile the BPF expression. */
  badFilter: "bad-filter",
  /** The interface went away (deleted, or its namespace was) while capturing. */
  interfaceGone: "interface-gone",
  /** The interface exists but cannot be captured on (down, unsupported...). */
  openFailed: "open-failed",
  /** `send` failed. */
  sendFailed: "send-failed",
  /** The capture agent died for another reason. */
  agentFailed: "agent-failed",
} as const;
export type CaptureErrorCode = (typeof CaptureErrorCode)[keyof typeof CaptureErrorCode];

/** A live-capture failure with a closed set of `code`s; recognise it with {@link isCaptureError}. */
export class CaptureError extends Error {
  override readonly name = "CaptureError";
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
    /** The interface concerned, when there is one. */
    readonly interfaceName?: string,
  ) {
    super(message);
  }
  toJSON(): { name: string; code: CaptureErrorCode; message: string; interface?: string } {
    return { name: this.name, code: this.code, message: this.message, ...(this.interfaceName ? { interface: this.interfaceName } : {}) };
  }
}

/** True for a {@link CaptureError}, also one from another copy of this package (checks `name`/`code`). */
export function isCaptureError(e: unknown): e is CaptureError {
  return e instanceof Error && e.name === "CaptureError" && typeof (e as { code?: unknown }).code === "string";
}

/**
 * How to get `cap`: npm leaves the optional package out where libpcap was missing at install, so the fix
 * is libpcap, then an install that builds (and patches, see scripts/patch-cap.mjs) `cap` again.
 */
export const CAP_FIX = "apt-get install libpcap-dev, then npm ci (or npm install) again";
export const PERMISSION_FIX = "run as root, or give node CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin+eip $(command -v node))";
