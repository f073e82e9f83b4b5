/**
 * Drivers of the querier ({@link Querier}, sans-IO, in src/monitor): offline on a virtual clock with a
 * capture and emulated hosts ({@link QuerierLan}), and in real time on a live link ({@link QuerierDriver}).
 * @packageDocumentation
 */
export * from "./offline.js";
export * from "./realtime.js";
