// One clock and timer interface for every real-time driver: the host emulator's, the querier's, monitor -i's
// and the CLI's injectable ones are all `Clock` (setTimer(ms, fn)); a virtual one drives each in the tests.
import { expectTypeOf, it } from "vitest";
import type { MonitorClock } from "../../src/capture/watch.js";
import type { HostDeps } from "../../src/cli/host-options.js";
import type { QuerierDeps } from "../../src/cli/querier.js";
import type { Clock, RealtimeIo } from "../../src/host/index.js";
import { VirtualClock } from "../monitor/fake-live.js";

it("every driver takes the one Clock", () => {
  expectTypeOf<MonitorClock>().toEqualTypeOf<Clock>();
  expectTypeOf<NonNullable<HostDeps["clock"]>>().toEqualTypeOf<Clock>();
  expectTypeOf<NonNullable<QuerierDeps["clock"]>>().toEqualTypeOf<Clock>();
  expectTypeOf<Pick<RealtimeIo, keyof Clock>>().toEqualTypeOf<Clock>();
  expectTypeOf<VirtualClock>().toExtend<Clock>();
});
