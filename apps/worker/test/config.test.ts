// Configuration: defaults, parsing, and refusals that name the variable.
import { ConfigError, loadConfig } from "../src/config.js";
import { parseDuration, parseDurationList } from "@msr-webhooks/config/duration";

const REQUIRED = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x", REDIS_URL: "redis://127.0.0.1:6379" };

describe("loadConfig", () => {
  it("fills the documented defaults", () => {
    const c = loadConfig(REQUIRED);
    expect(c.queuePrefix).toBe("msrwh");
    expect(c.retry.scheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(c.retry.maxAttempts).toBe(8);
    expect(c.retry.jitter).toBe(0.2);
    expect(c.delivery.connectTimeoutMs).toBe(5000);
    expect(c.delivery.totalTimeoutMs).toBe(15000);
    expect(c.autoDisableAfterMs).toBe(5 * 86_400_000);
    expect(c.maintenance.retentionMs).toBe(14 * 86_400_000);
    expect(c.producerDedupeWindowMs).toBe(86_400_000);
    expect(c.concurrency.delivery).toBe(200);
    expect(c.delivery.allowCidrs).toEqual([]);
  });

  it("parses settings given as strings", () => {
    const c = loadConfig({
      ...REQUIRED,
      RETRY_SCHEDULE: " 100ms, 2s ,1m",
      RETRY_JITTER: "0",
      DELIVERY_CONCURRENCY: "7",
      OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8, ::1/128",
      OUTBOUND_DENY_CIDRS: "10.0.0.0/8",
      AUTO_DISABLE_AFTER: "1h",
    });
    expect(c.retry.scheduleMs).toEqual([100, 2000, 60_000]);
    expect(c.retry.maxAttempts).toBe(4);
    expect(c.retry.jitter).toBe(0);
    expect(c.concurrency.delivery).toBe(7);
    expect(c.delivery.allowCidrs).toEqual(["127.0.0.0/8", "::1/128"]);
    expect(c.delivery.denyCidrs).toEqual(["10.0.0.0/8"]);
    expect(c.autoDisableAfterMs).toBe(3_600_000);
  });

  it.each([
    [{ DATABASE_URL: undefined }, "DATABASE_URL"],
    [{ REDIS_URL: "http://x" }, "REDIS_URL"],
    [{ RETRY_SCHEDULE: "5s,soon" }, "RETRY_SCHEDULE"],
    [{ RETRY_JITTER: "2" }, "RETRY_JITTER"],
    [{ RETRY_JITTER: "lots" }, "RETRY_JITTER"],
    [{ DELIVERY_CONCURRENCY: "0" }, "DELIVERY_CONCURRENCY"],
    [{ DELIVERY_TIMEOUT_MS: "fast" }, "DELIVERY_TIMEOUT_MS"],
    [{ RETENTION: "forever" }, "RETENTION"],
    [{ RECONCILE_INTERVAL: "0s" }, "RECONCILE_INTERVAL"],
    [{ OUTBOUND_DENY_CIDRS: "10.0.0.0/33" }, "OUTBOUND_DENY_CIDRS"],
    [{ OUTBOUND_ALLOW_CIDRS: "localhost" }, "OUTBOUND_ALLOW_CIDRS"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ QUEUE_PREFIX: "a:b" }, "QUEUE_PREFIX"],
  ])("refuses %j naming %s", (bad, name) => {
    const env: Record<string, string | undefined> = { ...REQUIRED, ...bad };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});

describe("durations", () => {
  it("reads units and bare milliseconds", () => {
    expect(parseDuration("250")).toBe(250);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("2h")).toBe(7_200_000);
    expect(parseDuration("5d")).toBe(432_000_000);
    expect(parseDuration("5 weeks")).toBeNull();
    expect(parseDurationList("1s,2s")).toEqual([1000, 2000]);
    expect(parseDurationList("1s,,2s")).toBeNull();
  });
});
