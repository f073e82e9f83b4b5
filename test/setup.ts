// Property tests: a fixed seed in CI so that a run is reproducible (and cannot fail by chance there);
// random seeds on developers' machines explore more. IGMPKIT_FC_SEED overrides both.
import fc from "fast-check";

const seed = process.env.IGMPKIT_FC_SEED ?? (process.env.CI ? "20261121" : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });

// Text times are local time of day, as tcpdump prints them: run the suite in UTC whatever the machine's
// zone (tests of other zones set TZ themselves, in a child process's environment or around a call).
process.env.TZ = "UTC";
