// Where Redis is, declared and read once for both apps: one node (REDIS_URL) or a Redis Cluster
// (REDIS_CLUSTER_NODES), with the same username, password and TLS settings for either.
import { Type, type Static, type TObject } from "@sinclair/typebox";

/** The settings' part of each app's environment schema. */
export const RedisEnv = {
  // One node: redis://[user:password@]host:port[/db], or rediss:// for TLS.
  REDIS_URL: Type.Optional(Type.String({ pattern: "^rediss?://" })),
  // A Redis Cluster instead: some of its nodes as host:port, separated by commas (the rest are discovered).
  REDIS_CLUSTER_NODES: Type.Optional(Type.String({ minLength: 1 })),
  // ACL user and password for every node (override those of REDIS_URL).
  REDIS_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  REDIS_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  // "true": TLS to every node (a rediss:// REDIS_URL implies it). Extra CAs: NODE_EXTRA_CA_CERTS.
  REDIS_TLS: Type.Union([Type.Literal("true"), Type.Literal("false")], { default: "false" }),
};
export type RedisEnv = Static<TObject<typeof RedisEnv>>;

export interface RedisNode {
  host: string;
  port: number;
}

/** One node (`url`) or a cluster (`clusterNodes`); a plain object, so it crosses to worker threads. */
export interface RedisSettings {
  url?: string;
  clusterNodes?: RedisNode[];
  username?: string;
  password?: string;
  tls: boolean;
}

/** Makes the error thrown for a bad value; its message names the setting. */
export type SettingError = (message: string) => Error;

/** `host:port` entries separated by commas or spaces; IPv6 addresses in brackets (`[::1]:7000`). */
export function clusterNodes(value: string, fail: SettingError): RedisNode[] {
  const entries = value.split(/[\s,]+/).filter((s) => s.length > 0);
  if (entries.length === 0) throw fail("REDIS_CLUSTER_NODES: name at least one node as host:port");
  return entries.map((entry) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/@]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      throw fail(`REDIS_CLUSTER_NODES: "${entry}" is not host:port (e.g. redis-0.redis:6379 or [fd00::1]:6379)`);
    }
    return { host: match[1] ?? match[2] ?? "", port };
  });
}

export function redisSettings(env: RedisEnv, fail: SettingError): RedisSettings {
  const credentials = {
    ...(env.REDIS_USERNAME !== undefined ? { username: env.REDIS_USERNAME } : {}),
    ...(env.REDIS_PASSWORD !== undefined ? { password: env.REDIS_PASSWORD } : {}),
  };
  if (env.REDIS_CLUSTER_NODES !== undefined) {
    if (env.REDIS_URL !== undefined) throw fail("REDIS_URL: set REDIS_URL (one node) or REDIS_CLUSTER_NODES (a cluster), not both");
    return { clusterNodes: clusterNodes(env.REDIS_CLUSTER_NODES, fail), ...credentials, tls: env.REDIS_TLS === "true" };
  }
  if (env.REDIS_URL === undefined) throw fail("REDIS_URL: must be set (or REDIS_CLUSTER_NODES for a cluster)");
  return { url: env.REDIS_URL, ...credentials, tls: env.REDIS_TLS === "true" || env.REDIS_URL.startsWith("rediss://") };
}

/**
 * The deployment's Redis key prefix. On a cluster it is a hash tag (`{msrwh}`): every key the
 * service writes starts with it (BullMQ's queues, the endpoint gate, sign-in limits, sessions,
 * caches), so all of them share one slot and every multi-key script, MULTI and pipeline is legal.
 * One node keeps the plain prefix its existing keys were written under.
 */
export function keyPrefix(prefix: string, settings: RedisSettings): string {
  return settings.clusterNodes ? `{${prefix}}` : prefix;
}
