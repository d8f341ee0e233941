// Times as Go's encoding/json prints time.Time, and RFC 3339 input normalized to that form.
import { ZERO_GO_TIME, formatGoTime, isGoTime, normalizeGoTime } from "../src/go-time.js";

describe("formatGoTime", () => {
  it.each([
    ["2015-01-02T15:04:05.000Z", "2015-01-02T15:04:05Z"],
    ["2019-05-22T01:55:20.471Z", "2019-05-22T01:55:20.471Z"],
    ["2019-05-22T01:55:20.470Z", "2019-05-22T01:55:20.47Z"],
    ["2019-05-22T01:55:20.400Z", "2019-05-22T01:55:20.4Z"],
    ["2019-05-22T01:55:20.001Z", "2019-05-22T01:55:20.001Z"],
    ["0001-01-01T00:00:00.000Z", ZERO_GO_TIME],
  ])("formats %s as %s", (iso, expected) => {
    expect(formatGoTime(new Date(iso))).toBe(expected);
  });

  it("prints the zero time for null and undefined", () => {
    expect(ZERO_GO_TIME).toBe("0001-01-01T00:00:00Z");
    expect(formatGoTime(null)).toBe(ZERO_GO_TIME);
    expect(formatGoTime(undefined)).toBe(ZERO_GO_TIME);
  });

  it("converts to UTC", () => {
    expect(formatGoTime(new Date("2015-01-02T16:04:05+01:00"))).toBe("2015-01-02T15:04:05Z");
  });

  it("refuses an invalid Date and years Go cannot marshal", () => {
    expect(() => formatGoTime(new Date("nope"))).toThrow(RangeError);
    expect(() => formatGoTime(new Date(Date.UTC(10000, 0, 1)))).toThrow(/outside 0..9999/);
  });
});

describe("normalizeGoTime", () => {
  it.each([
    ["2015-01-02T15:04:05Z", "2015-01-02T15:04:05Z"],
    ["2019-05-22T01:55:20.471286995Z", "2019-05-22T01:55:20.471286995Z"],
    ["2019-05-22T01:55:20.471286990Z", "2019-05-22T01:55:20.47128699Z"],
    ["2019-05-22T01:55:20.0000000001Z", "2019-05-22T01:55:20Z"],
    ["2015-01-02T15:04:05.000Z", "2015-01-02T15:04:05Z"],
    ["2015-01-02T16:04:05.5+01:00", "2015-01-02T15:04:05.5Z"],
    ["2015-01-01T23:30:00-01:45", "2015-01-02T01:15:00Z"],
    ["2015-01-02t15:04:05z", "2015-01-02T15:04:05Z"],
    ["2015-01-02 15:04:05Z", "2015-01-02T15:04:05Z"],
    ["2016-02-29T00:00:00Z", "2016-02-29T00:00:00Z"],
    ["0001-01-01T00:00:00Z", ZERO_GO_TIME],
    ["0050-06-01T00:00:00Z", "0050-06-01T00:00:00Z"],
  ])("normalizes %s to %s", (input, expected) => {
    expect(normalizeGoTime(input)).toBe(expected);
    expect(isGoTime(input)).toBe(true);
  });

  it.each([
    "2015-01-02",
    "2015-01-02T15:04:05",
    "2015-01-02T15:04:05+0100",
    "2015-01-02T15:04:05+01",
    "2015-13-02T15:04:05Z",
    "2015-00-02T15:04:05Z",
    "2015-02-29T15:04:05Z",
    "2015-04-31T15:04:05Z",
    "2015-01-00T15:04:05Z",
    "2015-01-02T24:00:00Z",
    "2015-01-02T15:60:05Z",
    "2015-12-31T23:59:60Z",
    "2015-01-02T15:04:05+24:00",
    "2015-01-02T15:04:05.Z",
    "1420211045",
    "",
    "0000-01-01T00:30:00+01:00",
  ])("rejects %p", (input) => {
    expect(() => normalizeGoTime(input)).toThrow(RangeError);
    expect(isGoTime(input)).toBe(false);
  });
});
