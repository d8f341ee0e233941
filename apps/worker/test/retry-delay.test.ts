// The retry policy's pure pieces: nextDelay, the delivery decision, and BullMQ's backoff hook.
import type { AttemptResult } from "@msr-webhooks/delivery/attempt-result";
import { classifyOutcome } from "@msr-webhooks/delivery/classify";
import { loadConfig } from "../src/config.js";
import { decide } from "../src/attempts/delivery-decision.js";
import { deliveryBackoffStrategy } from "../src/attempts/delivery-job.js";
import { nextDelay } from "../src/attempts/retry-delay.js";
import { RetryLaterError } from "../src/attempts/retry-later.error.js";

const SCHEDULE = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const mid = () => 0.5;

describe("nextDelay", () => {
  it("follows the schedule without jitter at the midpoint", () => {
    const delays = SCHEDULE.map((_, i) =>
      nextDelay({ attemptNumber: i + 1, schedule: SCHEDULE, jitter: 0.2, retryAfterMaxMs: 3_600_000, random: mid }),
    );
    expect(delays).toEqual(SCHEDULE);
  });

  it("gives up after the schedule: 8 attempts for the default 7 delays", () => {
    expect(nextDelay({ attemptNumber: 8, schedule: SCHEDULE, jitter: 0.2, retryAfterMaxMs: 1000 })).toBeNull();
    expect(nextDelay({ attemptNumber: 0, schedule: SCHEDULE, jitter: 0.2, retryAfterMaxMs: 1000 })).toBeNull();
    expect(nextDelay({ attemptNumber: 1.5, schedule: SCHEDULE, jitter: 0.2, retryAfterMaxMs: 1000 })).toBeNull();
  });

  it("jitters within +/-20%", () => {
    const low = nextDelay({ attemptNumber: 1, schedule: SCHEDULE, jitter: 0.2, retryAfterMaxMs: 0, random: () => 0 });
    const high = nextDelay({ attemptNumber: 1, schedule: SCHEDULE, jitter: 0.2, retryAfterMaxMs: 0, random: () => 0.999999 });
    expect(low).toBe(4000);
    expect(high).toBeGreaterThan(5990);
    expect(high).toBeLessThanOrEqual(6000);
    for (let i = 0; i < 200; i += 1) {
      const d = nextDelay({ attemptNumber: 2, schedule: SCHEDULE, jitter: 0.2, retryAfterMaxMs: 0 })!;
      expect(d).toBeGreaterThanOrEqual(240_000);
      expect(d).toBeLessThanOrEqual(360_000);
    }
  });

  it("waits at least a Retry-After, clamped to the maximum", () => {
    const base = { attemptNumber: 1, schedule: SCHEDULE, jitter: 0.2, random: mid };
    expect(nextDelay({ ...base, retryAfterMs: 60_000, retryAfterMaxMs: 3_600_000 })).toBe(60_000);
    expect(nextDelay({ ...base, retryAfterMs: 86_400_000, retryAfterMaxMs: 3_600_000 })).toBe(3_600_000);
    // A Retry-After shorter than the schedule never shortens the wait.
    expect(nextDelay({ ...base, retryAfterMs: 1000, retryAfterMaxMs: 3_600_000 })).toBe(5_000);
    expect(nextDelay({ ...base, retryAfterMs: null, retryAfterMaxMs: 3_600_000 })).toBe(5_000);
    expect(nextDelay({ ...base, retryAfterMs: 0, retryAfterMaxMs: 3_600_000 })).toBe(5_000);
  });
});

function result(overrides: Partial<AttemptResult>): AttemptResult {
  return {
    ok: false,
    statusCode: 500,
    durationMs: 3,
    responseHeaders: {},
    responseBody: "",
    errorKind: "http",
    errorMessage: "HTTP 500",
    retryAfterMs: null,
    ...overrides,
  };
}

describe("decide", () => {
  const policy = loadConfig({ DATABASE_URL: "postgresql://x/y", REDIS_URL: "redis://x", RETRY_SCHEDULE: "1s,2s" }).retry;
  const now = new Date("2026-01-01T00:00:00Z");

  it("succeeds on a 2xx", () => {
    const r = result({ ok: true, statusCode: 204, errorKind: null, errorMessage: null });
    expect(decide(classifyOutcome(r), r, 1, policy, now, mid)).toEqual({ kind: "succeeded" });
  });

  it("retries a 500 after the schedule's delay, then gives up at the last attempt", () => {
    const r = result({});
    expect(decide(classifyOutcome(r), r, 1, policy, now, mid)).toEqual({
      kind: "retry",
      delayMs: 1000,
      nextAttemptAt: new Date(now.getTime() + 1000),
      reason: "http: HTTP 500",
    });
    expect(decide(classifyOutcome(r), r, 2, policy, now, mid)).toMatchObject({ kind: "retry", delayMs: 2000 });
    expect(decide(classifyOutcome(r), r, 3, policy, now, mid)).toEqual({
      kind: "failed",
      reason: "gave up after 3 attempts: http: HTTP 500",
      disable: null,
    });
  });

  it("honours Retry-After on 429 only through the classification", () => {
    const r429 = result({ statusCode: 429, retryAfterMs: 30_000, errorMessage: "HTTP 429" });
    expect(decide(classifyOutcome(r429), r429, 1, policy, now, mid)).toMatchObject({ kind: "retry", delayMs: 30_000 });
    const r500 = result({ retryAfterMs: 30_000 });
    expect(decide(classifyOutcome(r500), r500, 1, policy, now, mid)).toMatchObject({ kind: "retry", delayMs: 1000 });
  });

  it("disables on 410 and gives up on an invalid URL", () => {
    const gone = result({ statusCode: 410, errorMessage: "HTTP 410" });
    expect(decide(classifyOutcome(gone), gone, 1, policy, now, mid)).toEqual({
      kind: "failed",
      reason: "endpoint answered 410 Gone: subscription disabled",
      disable: "endpoint answered 410 Gone",
    });
    const bad = result({ statusCode: null, errorKind: "invalid_url", errorMessage: "invalid URL: x" });
    expect(decide(classifyOutcome(bad), bad, 1, policy, now, mid)).toEqual({
      kind: "failed",
      reason: "not retried: invalid URL: x",
      disable: null,
    });
  });
});

describe("deliveryBackoffStrategy", () => {
  const policy = { scheduleMs: [100, 200], jitter: 0, retryAfterMaxMs: 1000, maxAttempts: 3 };

  it("uses the delay the processor computed", async () => {
    expect(await deliveryBackoffStrategy(policy)(1, "delivery-schedule", new RetryLaterError(777, "x"))).toBe(777);
  });

  it("falls back to the schedule for other errors", async () => {
    const strategy = deliveryBackoffStrategy(policy);
    expect(await strategy(1, "delivery-schedule", new Error("db down"))).toBe(100);
    expect(await strategy(2, "delivery-schedule", new Error("db down"))).toBe(200);
    expect(await strategy(5, "delivery-schedule", new Error("db down"))).toBe(200);
  });
});
