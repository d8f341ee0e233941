// Redis connection and queue factories with the options BullMQ requires.
import { Redis, type RedisOptions } from "ioredis";
import { Queue, type QueueOptions } from "bullmq";
import { QUEUE_NAMES, type QueueName } from "./names.js";

export interface QueueConfig {
  redisUrl: string;
  /** BullMQ key prefix: one per deployment (and one per test run, so runs never collide). */
  prefix: string;
}

/** A connection for BullMQ workers and queues: blocking commands must not time out. */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
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
