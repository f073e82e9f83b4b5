/**
 * igmpkit's view of the Linux kernel's multicast state: parsers of /proc/net/igmp, mcfilter, dev_mcast,
 * ip_mr_vif and ip_mr_cache, the state assembled from them with the IGMP sysctls, findings, changes between
 * samples, and the wire-and-kernel side-by-side view. Sans-IO: text in, values out; `readKernelState`
 * (src/io) reads the files, in a network namespace too. Imports: wire's address helpers, and the monitor's
 * snapshot type for the join.
 * @packageDocumentation
 */
export * from "./proc.js";
export * from "./state.js";
export * from "./findings.js";
export * from "./diff.js";
export * from "./join.js";
