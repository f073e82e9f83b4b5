/**
 * igmpkit/host: the host-state emulator, a sans-IO state machine. `now` and a seeded rng are arguments;
 * drivers (live, offline, tests) own the loop.
 * @packageDocumentation
 */
export * from "./clock.js";
export * from "./errors.js";
export * from "./filter.js";
export * from "./host.js";
export * from "./profile.js";
export * from "./stats.js";
export * from "./pack.js";
export * from "./rng.js";
export * from "./arp.js";
export * from "./emulator.js";
export * from "./offline.js";
export * from "./realtime.js";
export * from "./scenario.js";
