import { afterEach, describe, expect, it } from "vitest";
import { sampleOrderOf } from "../../src/engine/sample/order.js";
import { Harness, lines } from "../support/harness.js";

const config = `version: 1
project: t
seed: 5
stages:
  src: { uses: test/items, with: { path: data.jsonl } }
  up: { uses: test/items, needs: src, with: { suffix: "!" } }
`;

const harnesses: Harness[] = [];
afterEach(() => harnesses.splice(0).forEach((h) => h.remove()));
function harness(): Harness {
  const h = new Harness({ "dpo.config.yaml": config, "data.jsonl": lines(10) });
  harnesses.push(h);
  return h;
}

describe("admission of root records in sample order", () => {
  it("stages below the roots see only the first K records of the sample order; growing K computes only the new ones", async () => {
    const h = harness();
    const ids = Array.from({ length: 10 }, (_, i) => `r${String(i).padStart(4, "0")}`);
    const order = sampleOrderOf(5, ids);
    const three = await h.build("build", { admit: 3 });
    expect(three.ok).toBe(true);
    expect(three.admission).toEqual({ admitted: 3, total: 10 });
    expect(three.stage.src!.status === "ran" && three.stage.src!.manifest.count).toBe(10); // a root runs whole
    const up = three.stage.up!;
    expect(up.status === "ran" && up.manifest.count).toBe(3);
    expect(h.activity.computed.up).toEqual(order.slice(0, 3).map((id) => `item ${Number(id.slice(1))}`));

    const six = await h.build("build", { admit: 6 });
    expect(six.stage.up!.status).toBe("ran");
    expect(h.activity.computed.up).toHaveLength(6); // three more, the first three came from the memo
    expect(six.stage.up!.status === "ran" && six.stage.up!.reasons).toEqual(['upstream stage "src" output changed', "admitted root records changed (first 3 of 10 → first 6 of 10)"]);

    const all = await h.build();
    expect(all.stage.up!.status === "ran" && all.stage.up!.manifest.count).toBe(10);
    expect(all.admission).toBeUndefined();
  });
});
