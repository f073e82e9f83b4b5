/** Lab library for live tests: real IGMP peers in network namespaces. See lab.ts and gate.ts. */
export * from "./gate";
export * from "./lab";
