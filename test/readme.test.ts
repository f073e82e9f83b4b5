// The README's examples, run as written (kept in step by hand: change both together).
import { expect, test } from "vitest";
import { decodeFrame, decodeIgmp, encodeIgmp, encodeIgmpFrame, lint, monitor, readCapture, readCaptureFile, v3Query, v3Report } from "../src/index.js";

test("README: library example", async () => {
  const report = v3Report([{ type: "CHANGE_TO_EXCLUDE_MODE", group: "239.1.2.3" }]);
  const frame = encodeIgmpFrame({ message: report, src: "198.18.0.2", macSrc: "02:00:00:00:00:02" });
  const decoded = decodeFrame({ data: frame, linkType: 1 });
  expect(decoded.igmp).toMatchObject({ kind: "v3-report", checksumValid: true, records: [{ group: "239.1.2.3" }] });
  const { message, errors, warnings } = decodeIgmp(encodeIgmp(v3Query({ group: "239.1.2.3", maxRespTime: 1 })));
  expect(message).toMatchObject({ kind: "query", version: 3, maxRespTime: 1 });
  expect([errors, warnings]).toEqual([[], []]);
  let n = 0;
  for await (const f of readCaptureFile("fixtures/kernel-igmpv3-host.pcap")) {
    const { igmp } = decodeFrame(f);
    if (igmp) n++;
  }
  expect(n).toBeGreaterThan(10);
});

test("README: lint and monitor in a test suite", async () => {
  const frames = await readCapture("fixtures/frr-pimd-igmpv3.pcap");
  expect(lint(frames).filter((f) => f.severity === "error")).toEqual([]);
  const { snapshot } = monitor(frames);
  expect(snapshot.groups.length).toBeGreaterThan(0);
});
