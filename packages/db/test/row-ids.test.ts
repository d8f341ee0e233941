// Time-ordered row ids (src/row-ids.ts): they begin with their time, so later rows sort after
// earlier ones and inserts land at the end of the primary-key index; named ones are the same for
// the same name and time; both are well-formed UUIDs of their version.
import { namedRowId, newRowId, rowIdTime } from "../src/row-ids.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([78])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("row ids", () => {
  it("are version 7 when fresh and version 8 when named, with the RFC 9562 variant", () => {
    expect(UUID.exec(newRowId())?.[1]).toBe("7");
    expect(UUID.exec(namedRowId(Date.now(), "delivery", "e", "w"))?.[1]).toBe("8");
  });

  it("begin with their milliseconds, and sort in time order as text", () => {
    const t0 = Date.UTC(2026, 11, 5, 21, 0, 0, 123);
    expect(rowIdTime(newRowId(t0))).toBe(t0);
    expect(rowIdTime(namedRowId(t0 + 1, "x"))).toBe(t0 + 1);
    const ids = [5, 1, 4, 2, 3].map((s) => newRowId(t0 + s * 1000));
    expect([...ids].sort().map(rowIdTime)).toEqual([1, 2, 3, 4, 5].map((s) => t0 + s * 1000));
  });

  it("name the same row for the same time and parts, and another for any other", () => {
    const t0 = Date.UTC(2026, 11, 5);
    expect(namedRowId(t0, "delivery", "e1", "w1")).toBe(namedRowId(t0, "delivery", "e1", "w1"));
    expect(namedRowId(t0, "delivery", "e1", "w2")).not.toBe(namedRowId(t0, "delivery", "e1", "w1"));
    expect(namedRowId(t0 + 1, "delivery", "e1", "w1")).not.toBe(namedRowId(t0, "delivery", "e1", "w1"));
    // The parts are separated: ("ab", "c") is not ("a", "bc").
    expect(namedRowId(t0, "ab", "c")).not.toBe(namedRowId(t0, "a", "bc"));
  });

  it("are distinct when fresh in the same millisecond", () => {
    const t0 = Date.now();
    expect(new Set(Array.from({ length: 1000 }, () => newRowId(t0))).size).toBe(1000);
  });

  it("read as a time from the first 48 bits of any UUID (a random one's is just not its creation time)", () => {
    expect(rowIdTime("00000000-0000-4000-8000-000000000000")).toBe(0);
    expect(rowIdTime("0193a1b2-c3d4-4e5f-8a6b-7c8d9e0f1a2b")).toBe(0x0193a1b2c3d4);
  });
});
