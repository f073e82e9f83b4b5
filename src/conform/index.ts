/**
 * `igmpkit conform`'s library: cases as data plus a function, the runner, and a virtual LAN with an
 * emulated DUT. The live LAN is in src/capture/conform-live.ts.
 */
export * from "./types.js";
export * from "./runner.js";
export * from "./lan.js";
export * from "./offline.js";
export * from "./hook.js";
export { hostCases } from "./host-cases.js";
export { routerCases } from "./router-cases.js";
export { switchCases } from "./switch-cases.js";
import { hostCases } from "./host-cases.js";
import { routerCases } from "./router-cases.js";
import { switchCases } from "./switch-cases.js";
import type { ConformCase } from "./types.js";

/** Every case igmpkit ships, all roles. */
export const allCases: readonly ConformCase[] = [...hostCases, ...routerCases, ...switchCases];
