/**
 * igmpkit: IGMP toolkit. The wire codec is also published alone as `igmpkit/wire`.
 * @packageDocumentation
 */
export * from "./wire/index.js";
export type { Frame } from "./pcap/frame.js";
export { formatTimestamp } from "./pcap/frame.js";
