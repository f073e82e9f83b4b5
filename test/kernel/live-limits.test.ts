/**
 * The VIF table against the kernel's MAXVIFS: a holder of the mroute socket (test/lab/mroute_holder.py)
 * adds VIFs until the kernel refuses one; igmpkit kernel then reports the table full, with routing active.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { readKernelState } from "../../src/io/kernel.js";
import { kernelFindings, MAXVIFS } from "../../src/kernel/index.js";
import { Lab, describeLive, waitFor } from "../lab/index.js";

const HOLDER_PY = join(__dirname, "..", "lab", "mroute_holder.py");

describeLive("the VIF table at MAXVIFS (live)", ["python3"], () => {
  it("32 VIFs are taken, the 33rd is refused (ENFILE), igmpkit kernel says the table is full", async () => {
    await Lab.with(async (lab) => {
      const r = await lab.netns("r");
      const names: string[] = [];
      for (let i = 0; i < 17; i++) {
        await lab.exec(r, "ip", ["link", "add", `va${i}`, "type", "veth", "peer", "name", `vb${i}`]);
        for (const n of [`va${i}`, `vb${i}`]) {
          await lab.exec(r, "ip", ["link", "set", n, "up"]);
          names.push(n);
        }
      }
      const before = await readKernelState({ netns: r.name });
      expect(before.router).toMatchObject({ active: false, vifs: [] });
      const holder = lab.spawn(r, "python3", ["-u", HOLDER_PY, names.slice(0, MAXVIFS + 1).join(",")]);
      await waitFor("the holder", () => {
        if (!holder.running) throw new Error(`holder exited: ${holder.stderr}`);
        return holder.stdout.includes("ready");
      });
      const results = holder.stdout.split("\n").filter((l) => l.startsWith("vif "));
      expect(results.filter((l) => l.endsWith(" ok"))).toHaveLength(MAXVIFS);
      expect(results.at(-1)).toBe(`vif ${MAXVIFS} ${names[MAXVIFS]} err ENFILE`);
      const st = await readKernelState({ netns: r.name });
      expect(st.router!.active).toBe(true);
      expect(st.router!.vifs.map((v) => v.device)).toEqual(names.slice(0, MAXVIFS));
      expect(st.router!.vifs.every((v) => v.flagNames.includes("useIfindex"))).toBe(true);
      expect(kernelFindings(st).map((f) => `${f.severity} ${f.rule} ${f.value}/${f.limit}`)).toEqual([`error vif-table-full ${MAXVIFS}/${MAXVIFS}`]);
      holder.child.stdin?.end();
      await holder.exited;
      await waitFor("routing inactive again", async () => (await readKernelState({ netns: r.name })).router?.active === false);
    });
  }, 60_000);
});
