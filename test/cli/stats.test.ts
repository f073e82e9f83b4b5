// igmpkit stats --text: record types by the short names of the one record-type table (GROUP_RECORD_TYPES).
import { expect, it } from "vitest";
import { cli } from "./helpers.js";

it("names each group's and host's records IS_IN, IS_EX, TO_IN, TO_EX, ALLOW, BLOCK, with their counts", async () => {
  const r = await cli(["stats", "--text", "fixtures/kernel-igmpv3-host.pcap"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^239\.3\.3\.1 .* IS_EX 3 TO_IN 2 TO_EX 2 BLOCK 2 /m);
  expect(r.stdout).toMatch(/^232\.3\.3\.1 .* IS_IN 2 ALLOW 4 BLOCK 4 /m);
  expect(r.stdout).toMatch(/^198\.18\.13\.2 .* IS_IN 2 IS_EX 3 TO_IN 2 TO_EX 2 ALLOW 4 BLOCK 6 /m);
});
