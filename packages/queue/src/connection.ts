// Redis connection and queue factories with the options BullMQ requires.
import { Cluster, Redis, type RedisOptions } from "ioredis";
import { Queue, type QueueOptions } from "bullmq";
import { QUEUE_NAMES, type QueueName } from "./names.js";
import type { RedisSettings } from "./redis-settings.js";

export interface QueueConfig {
  redis: RedisSettings;
  /** BullMQ key prefix: one per deployment (and one per test run, so runs never collide). */
  prefix: string;
}

/**
 * A connection for BullMQ workers and queues (blocking commands must not time out): to one node
 * (a URL, or settings with `url`) or, with `clusterNodes`, an ioredis Cluster. A Cluster answers
 * every command the service sends (scripts, MULTI and pipelines on keys of one slot, see
 * keyPrefix), so it is handed out as the same `Redis` type the callers already use.
 */
export function createRedis(target: string | RedisSettings, options: RedisOptions = {}): Redis {
  const base: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, ...options };
  if (typeof target === "string") return new Redis(target, base);
  const auth: RedisOptions = {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
  if (target.clusterNodes) {
    const { enableReadyCheck, retryStrategy, ...nodeOptions } = base;
    const cluster = new Cluster(target.clusterNodes, {
      enableReadyCheck,
      ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
      redisOptions: { ...nodeOptions, ...auth },
      // With TLS, connect by the name given so the certificate's name is checked against it.
      ...(target.tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
      // A failed master's slots answer CLUSTERDOWN until a replica is promoted: retry meanwhile.
      retryDelayOnClusterDown: 200,
      retryDelayOnFailover: 200,
      slotsRefreshInterval: 5000,
    });
    return cluster as unknown as Redis;
  }
  if (target.url === undefined) throw new Error("createRedis: neither a URL nor cluster nodes");
  return new Redis(target.url, { ...base, ...auth });
}

export function createQueue<Data = unknown>(
  name: QueueName,
  connection: Redis,
  config: Pick<QueueConfig, "prefix">,
  options: Partial<QueueOptions> = {},
): Queue<Data> {
  return new Queue<Data>(name, { connection, prefix: config.prefix, ...options });
}

export interface Queues {
  ingest: Queue;
  fanout: Queue;
  delivery: Queue;
  maintenance: Queue;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, config: Pick<QueueConfig, "prefix">): Queues {
  const ingest = createQueue(QUEUE_NAMES.ingest, connection, config);
  const fanout = createQueue(QUEUE_NAMES.fanout, connection, config);
  const delivery = createQueue(QUEUE_NAMES.delivery, connection, config);
  const maintenance = createQueue(QUEUE_NAMES.maintenance, connection, config);
  return {
    ingest,
    fanout,
    delivery,
    maintenance,
    async close() {
      await Promise.all([ingest.close(), fanout.close(), delivery.close(), maintenance.close()]);
    },
  };
}
