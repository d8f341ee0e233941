import { describe, expect, it } from "vitest";
import { errorText } from "./api/errors";
import { duration, localInputToRfc3339, percent, scopeOf, when } from "./format";

describe("format", () => {
  it("writes Go's zero time and missing times as never", () => {
    expect(when("0001-01-01T00:00:00Z")).toBe("never");
    expect(when(null)).toBe("never");
    expect(when("not a time")).toBe("not a time");
  });

  it("writes rates and durations", () => {
    expect(percent(null)).toBe("no attempts");
    expect(percent(0.98765)).toBe("98.8%");
    expect(percent(1)).toBe("100.0%");
    expect(duration(12.4)).toBe("12 ms");
    expect(duration(1530)).toBe("1.53 s");
    expect(duration(null)).toBe("n/a");
  });

  it("names a subscription key's scope", () => {
    expect(scopeOf("")).toBe("all repositories (global)");
    expect(scopeOf("acme")).toBe("namespace acme");
    expect(scopeOf("acme/web")).toBe("repository acme/web");
  });

  it("turns a datetime-local value into RFC 3339 and refuses anything else", () => {
    expect(localInputToRfc3339("2026-01-02T03:04")).toMatch(/^2026-01-0[12]T\d{2}:04:00\.000Z$/);
    expect(localInputToRfc3339("yesterday")).toBeNull();
  });
});

describe("errorText", () => {
  it("uses the API's messages, capitalised, else words for the status", () => {
    expect(errorText(400, { errors: [{ code: "INVALID_WEBHOOK", message: "endpoint must be https" }] })).toBe("Endpoint must be https");
    expect(errorText(404, { errors: [{ code: "NO_SUCH_WEBHOOK" }] })).toBe("NO_SUCH_WEBHOOK");
    expect(errorText(503, "<html>")).toBe("The service is busy: try again in a few seconds.");
    expect(errorText(418, null)).toBe("The server answered 418.");
  });
});
