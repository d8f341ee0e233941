// Times we make ourselves carry microseconds, printed as Go's RFC3339Nano prints them (fraction
// trimmed of trailing zeros), as MSR's times do.
import { formatGoTimeMicros, nowGoTime, nowMicros } from "../src/go-time.js";

const GO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

describe("formatGoTimeMicros", () => {
  it.each([
    [1_420_211_045_000_000n, "2015-01-02T15:04:05Z"],
    [1_420_211_045_471_286n, "2015-01-02T15:04:05.471286Z"],
    [1_420_211_045_471_280n, "2015-01-02T15:04:05.47128Z"],
    [1_420_211_045_000_100n, "2015-01-02T15:04:05.0001Z"],
    [1_420_211_045_000_001n, "2015-01-02T15:04:05.000001Z"],
    [1_420_211_045_400_000n, "2015-01-02T15:04:05.4Z"],
  ])("prints %s as %s", (micros, expected) => {
    expect(formatGoTimeMicros(micros)).toBe(expected);
  });
});

describe("nowGoTime", () => {
  it("reads the wall clock to the microsecond, never behind Date.now() nor running backwards", () => {
    const readings: bigint[] = [];
    const before = BigInt(Date.now()) * 1000n;
    for (let i = 0; i < 2000; i++) readings.push(nowMicros());
    const after = BigInt(Date.now() + 1) * 1000n;
    expect(readings[0]! >= before).toBe(true);
    expect(readings.at(-1)! <= after).toBe(true);
    for (let i = 1; i < readings.length; i++) expect(readings[i]! >= readings[i - 1]!).toBe(true);
    // Sub-millisecond digits really vary: not a millisecond clock padded with zeros.
    expect(new Set(readings.map((r) => r % 1000n)).size).toBeGreaterThan(1);
  });

  it("prints Go's form, with up to six fraction digits", () => {
    const times = Array.from({ length: 200 }, () => nowGoTime());
    for (const t of times) expect(t).toMatch(GO_MICROS);
    expect(times.some((t) => /\.\d{4,6}Z$/.test(t))).toBe(true);
  });
});
