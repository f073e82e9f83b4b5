/** Role switch cases' pure parts: the capacity case's steps and groups. */
import { describe, expect, test } from "vitest";
import { defaultSettings, GROUPS_PER_CASE } from "../../src/conform/index.js";
import { CAPACITY_GROUP_OFFSET, capacitySteps, switchCases } from "../../src/conform/switch-cases.js";

describe("switch.group-capacity", () => {
  test("grows by doubling from 16 and ends at --max-groups exactly", () => {
    expect(capacitySteps(1024)).toEqual([16, 32, 64, 128, 256, 512, 1024]);
    expect(capacitySteps(100)).toEqual([16, 32, 64, 100]);
    expect(capacitySteps(16)).toEqual([16]);
    expect(capacitySteps(5)).toEqual([5]);
  });

  test("its groups lie clear of every other case's", () => {
    expect(CAPACITY_GROUP_OFFSET).toBeGreaterThan(switchCases.length * GROUPS_PER_CASE);
    expect(defaultSettings(3).maxGroups).toBe(1024);
  });

  test("runs last (it may leave the switch degraded) and is a measurement, not a MUST", () => {
    const c = switchCases.find((x) => x.id === "switch.group-capacity")!;
    expect(c.late).toBe(true);
    expect(c.level).toBe("MAY");
  });
});
