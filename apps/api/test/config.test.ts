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
  ["OUTBOUND_ALLOW_CIDRS", { ...base, OUTBOUND_ALLOW_CIDRS: "10.0.0.0/99" }],
  ["OUTBOUND_DENY_CIDRS", { ...base, OUTBOUND_DENY_CIDRS: "not-a-cidr" }],
])("a bad %s stops the start naming it", (name, env) => {
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(name);
});

test("CIDR lists accept commas and spaces", () => {
  const config = loadConfig({ ...base, OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8, ::1/128 10.0.0.0/8" });
  expect(config.delivery.allowCidrs).toEqual(["127.0.0.0/8", "::1/128", "10.0.0.0/8"]);
});
