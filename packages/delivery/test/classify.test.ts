// classifyOutcome: success, disable, give-up and retry decisions for every kind of result.
import type { AttemptResult, ErrorKind } from "../src/attempt-result.js";
import { classifyOutcome } from "../src/classify.js";

function result(overrides: Partial<AttemptResult>): AttemptResult {
  return {
    ok: false,
    statusCode: null,
    durationMs: 12,
    responseHeaders: {},
    responseBody: "",
    errorKind: null,
    errorMessage: null,
    retryAfterMs: null,
    ...overrides,
  };
}

describe("classifyOutcome", () => {
  it.each([200, 201, 204, 299])("%i is a success", (statusCode) => {
    expect(classifyOutcome(result({ ok: true, statusCode }))).toEqual({ action: "success" });
  });

  it("410 Gone disables the subscription", () => {
    expect(classifyOutcome(result({ statusCode: 410, errorKind: "http", errorMessage: "HTTP 410" }))).toEqual({
      action: "disable",
      reason: "endpoint answered 410 Gone",
    });
  });

  it.each([429, 503])("%i retries with its Retry-After", (statusCode) => {
    const r = result({ statusCode, errorKind: "http", retryAfterMs: 30_000 });
    expect(classifyOutcome(r)).toEqual({ action: "retry", retryAfterMs: 30_000 });
    expect(classifyOutcome({ ...r, retryAfterMs: null })).toEqual({ action: "retry", retryAfterMs: null });
  });

  it.each([400, 401, 403, 404, 413, 500, 502, 504])("%i retries and ignores any Retry-After", (statusCode) => {
    expect(classifyOutcome(result({ statusCode, errorKind: "http", retryAfterMs: 5000 }))).toEqual({
      action: "retry",
      retryAfterMs: null,
    });
  });

  it("a redirect that was not followed retries", () => {
    expect(classifyOutcome(result({ statusCode: 302, errorKind: "redirect" }))).toEqual({
      action: "retry",
      retryAfterMs: null,
    });
  });

  it.each<ErrorKind>(["timeout", "connection_refused", "connection_reset", "dns", "tls", "blocked", "other"])(
    "%s retries",
    (errorKind) => {
      expect(classifyOutcome(result({ errorKind, errorMessage: "x" }))).toEqual({ action: "retry", retryAfterMs: null });
    },
  );

  it("a 2xx whose body timed out is not a success", () => {
    expect(classifyOutcome(result({ statusCode: 200, errorKind: "timeout" }))).toEqual({
      action: "retry",
      retryAfterMs: null,
    });
  });

  it("an invalid URL gives up: no retry can fix it", () => {
    expect(
      classifyOutcome(result({ errorKind: "invalid_url", errorMessage: "unsupported protocol ftp:" })),
    ).toEqual({ action: "give_up", reason: "unsupported protocol ftp:" });
  });
});
