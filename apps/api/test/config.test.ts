// Configuration is validated at boot: a bad or missing variable is named in the error.
import { ConfigError, loadConfig } from "../src/config.js";

const base = { DATABASE_URL: "postgresql://u@127.0.0.1/db", REDIS_URL: "redis://127.0.0.1:6379" };

test("defaults fill everything that is optional", () => {
  const config = loadConfig(base);
  expect(config).toMatchObject({ port: 8080, registryHost: "localhost:5000", queuePrefix: "msrwh", bodyLimitBytes: 1048576 });
  expect(config.admin).toEqual({ username: "admin", password: undefined });
});

test.each([
  ["DATABASE_URL", { REDIS_URL: base.REDIS_URL }],
  ["REDIS_URL", { DATABASE_URL: base.DATABASE_URL }],
  ["DATABASE_URL", { ...base, DATABASE_URL: "mysql://x" }],
  ["PORT", { ...base, PORT: "eighty" }],
  ["PORT", { ...base, PORT: "70000" }],
  ["LOG_LEVEL", { ...base, LOG_LEVEL: "loud" }],
  ["MSR_ADMIN_PASSWORD", { ...base, MSR_ADMIN_PASSWORD: "short" }],
  ["QUEUE_PREFIX", { ...base, QUEUE_PREFIX: "a:b" }],
  ["MSR_ADMIN_USERNAME", { ...base, MSR_ADMIN_USERNAME: "0b6e1f0c-3c0e-4d7e-9a39-6c7d9f1b2a44" }],
  ["OUTBOUND_ALLOW_CIDRS", { ...base, OUTBOUND_ALLOW_CIDRS: "10.0.0.0/99" }],
  ["OUTBOUND_DENY_CIDRS", { ...base, OUTBOUND_DENY_CIDRS: "not-a-cidr" }],
  ["PRODUCER_DEDUPE_WINDOW", { ...base, PRODUCER_DEDUPE_WINDOW: "a day" }],
])("a bad %s stops the start naming it", (name, env) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(name);
});

test("PRODUCER_DEDUPE_WINDOW is read as the worker reads it (24h by default)", () => {
  expect(loadConfig(base).producerDedupeWindowMs).toBe(24 * 3600 * 1000);
  expect(loadConfig({ ...base, PRODUCER_DEDUPE_WINDOW: "90m" }).producerDedupeWindowMs).toBe(90 * 60 * 1000);
});

test("CIDR lists accept commas and spaces", () => {
  const config = loadConfig({ ...base, OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8, ::1/128 10.0.0.0/8" });
  expect(config.delivery.allowCidrs).toEqual(["127.0.0.0/8", "::1/128", "10.0.0.0/8"]);
});

describe("TRUST_PROXY", () => {
  test.each([
    ["", false],
    ["0", false],
    ["2", 2],
    ["loopback", ["loopback"]],
    ["10.0.0.0/8, 192.168.1.7 fd00::/8", ["10.0.0.0/8", "192.168.1.7", "fd00::/8"]],
  ])("%j trusts %j", (value, expected) => {
    expect(loadConfig({ ...base, TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  test("is off by default: the TCP peer is the client", () => {
    expect(loadConfig(base).trustProxy).toBe(false);
  });

  test.each(["true", "proxy.example", "10.0.0.0/99", "-1"])("refuses %j, naming the variable", (value) => {
    expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, TRUST_PROXY: value })).toThrow("TRUST_PROXY");
  });
});
