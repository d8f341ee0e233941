// REDIS_URL (one node) or REDIS_CLUSTER_NODES (a cluster), credentials and TLS for either; on a
// cluster the key prefix becomes a hash tag so every key of the deployment shares one slot.
import { keyPrefix, redisSettings, type RedisEnv } from "../src/redis-settings.js";

const fail = (message: string): Error => new Error(message);
const env = (values: Partial<RedisEnv>): RedisEnv => ({ REDIS_TLS: "false", ...values });

test("one node: the URL, TLS from rediss://, credentials from the settings", () => {
  expect(redisSettings(env({ REDIS_URL: "redis://127.0.0.1:6379" }), fail)).toEqual({ url: "redis://127.0.0.1:6379", tls: false });
  expect(redisSettings(env({ REDIS_URL: "rediss://r.example:6380", REDIS_PASSWORD: "pw" }), fail)).toEqual({
    url: "rediss://r.example:6380",
    password: "pw",
    tls: true,
  });
});

test("a cluster: host:port nodes (IPv6 in brackets), TLS and credentials for every node", () => {
  const settings = redisSettings(
    env({ REDIS_CLUSTER_NODES: "redis-0.redis:6379, 10.0.0.2:7000 [fd00::1]:7001", REDIS_USERNAME: "msrwh", REDIS_PASSWORD: "pw", REDIS_TLS: "true" }),
    fail,
  );
  expect(settings).toEqual({
    clusterNodes: [
      { host: "redis-0.redis", port: 6379 },
      { host: "10.0.0.2", port: 7000 },
      { host: "fd00::1", port: 7001 },
    ],
    username: "msrwh",
    password: "pw",
    tls: true,
  });
  expect(keyPrefix("msrwh", settings)).toBe("{msrwh}");
  expect(keyPrefix("msrwh", redisSettings(env({ REDIS_URL: "redis://r:6379" }), fail))).toBe("msrwh");
});

test.each([
  [{}, "REDIS_URL"],
  [{ REDIS_URL: "redis://r:6379", REDIS_CLUSTER_NODES: "r:7000" }, "not both"],
  [{ REDIS_CLUSTER_NODES: "r" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_CLUSTER_NODES: "r:0" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_CLUSTER_NODES: "r:70000" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_CLUSTER_NODES: "redis://r:7000" }, "REDIS_CLUSTER_NODES"],
  [{ REDIS_CLUSTER_NODES: " , " }, "REDIS_CLUSTER_NODES"],
])("%j is refused naming %s", (values, name) => {
  expect(() => redisSettings(env(values), fail)).toThrow(name);
});
