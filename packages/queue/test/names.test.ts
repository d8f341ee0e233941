import { deliveryJobId, fanoutJobId } from "../src/names.js";

test("job ids are deterministic and never contain ':'", () => {
  expect(fanoutJobId("e1")).toBe("fanout-e1");
  expect(deliveryJobId("d1")).toBe("delivery-d1");
  expect(deliveryJobId("d1", 2)).toBe("delivery-d1-r2");
  for (const id of [fanoutJobId("a-b"), deliveryJobId("x", 3)]) expect(id).not.toContain(":");
});
