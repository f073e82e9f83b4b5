/**
 * igmpkit/wire: byte-exact IGMP codecs. No I/O, no clock.
 * @packageDocumentation
 */
export * from "./address.js";
export * from "./build.js";
export { expectedChecksum, internetChecksum, onesComplementSum } from "./checksum.js";
export * from "./errors.js";
export * from "./float.js";
export * from "./frame.js";
export * from "./hex.js";
export * from "./igmp.js";
export * from "./ipv4.js";
export * from "./link.js";
// the view's helpers for building values (linkResult, ipv4HeaderOf...) stay inside the codec
export { FrameView, ViewStatus, LinkKind, igmpKindOf, parseLink, parseIPv4 } from "./view.js";
