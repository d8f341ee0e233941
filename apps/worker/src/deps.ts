// The worker's composition root: every infrastructure object is built here, from one validated
// config object. Tests pass overrides for the few things they need to observe or steer.
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { LookupFunction } from "node:net";
import { Prisma } from "@msr-webhooks/db/client";
import { createAddressPolicy } from "@msr-webhooks/delivery/address-policy";
import { createDeliveryClient, type DeliveryClient } from "@msr-webhooks/delivery/http-client";
import { createQueues, createRedis } from "@msr-webhooks/queue/connection";
import type { DeliveryJobData, FanoutJobData } from "@msr-webhooks/queue/names";
import { checkReadiness, postgresProbe, redisProbe, type Readiness } from "@msr-webhooks/observability/health";
import { createMetrics, disabledWebhooksCounter, type Metrics } from "@msr-webhooks/observability/metrics";
import type { Logger } from "winston";
import type { WorkerConfig } from "./config.js";
import type { EndpointGate } from "./attempts/endpoint-gate.js";
import { EnvelopeCache } from "./attempts/envelope-cache.js";
import { WebhookSettingsRepository } from "./attempts/webhook-settings.repository.js";
import { gateSettings } from "./isolation/gate-settings.js";
import { RedisEndpointGate } from "./isolation/redis-endpoint-gate.js";
import { createLogger } from "@msr-webhooks/observability/logger";
import { createSqlPool, type Sql } from "./shared/sql.js";
import { PRODUCT, VERSION } from "./shared/version.js";

export interface WorkerDeps {
  config: WorkerConfig;
  log: Logger;
  /** The worker's own statements. */
  sql: Sql;
  redis: Redis;
  queues: {
    ingest: Queue;
    fanout: Queue<FanoutJobData>;
    delivery: Queue<DeliveryJobData>;
    maintenance: Queue;
  };
  client: DeliveryClient;
  envelopes: EnvelopeCache;
  gate: EndpointGate;
  userAgent: string;
  /** This process's Prometheus metrics (served on WORKER_HTTP_PORT with /healthz and /readyz). */
  metrics: Metrics;
  /** The worker's pg pool answers `SELECT 1` and its Redis `PING`, each within config.readinessTimeoutMs. */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

export interface DepsOverrides {
  log?: Logger;
  /** The per-endpoint isolation seam (in-flight cap, circuit breaker); default: the shared Redis gate. */
  gate?: EndpointGate;
  /**
   * DNS for deliveries, in place of dns.lookup (tests only: a resolver whose answers they choose).
   * Its answers still pass through the outbound address policy.
   */
  lookup?: LookupFunction;
  /**
   * Built for one of the process's extra threads (src/threads): its metrics are only the counters
   * and histograms of its own jobs. The main thread reports the process, queue and gauge metrics,
   * which would otherwise be counted once per thread when the threads' metrics are summed.
   */
  thread?: boolean;
}

export function buildDeps(config: WorkerConfig, overrides: DepsOverrides = {}): WorkerDeps {
  const log = overrides.log ?? createLogger(config.logLevel, "worker");
  const sql = createSqlPool(config.databaseUrl, config.dbPoolSize);
  const redis = createRedis(config.redis);
  const queues = createQueues(redis, { prefix: config.queuePrefix });
  const userAgent = `${PRODUCT}/${VERSION}`;
  const client = createDeliveryClient({
    userAgent,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    totalTimeoutMs: config.delivery.totalTimeoutMs,
    addressPolicy: createAddressPolicy({
      allow: config.delivery.allowCidrs,
      deny: config.delivery.denyCidrs,
      refusePrivate: config.delivery.refusePrivate,
    }),
    tlsContextCacheSize: config.delivery.tlsContextCacheSize,
    ...(overrides.lookup ? { lookup: overrides.lookup } : {}),
  });
  const gate =
    overrides.gate ??
    new RedisEndpointGate(redis, config.queuePrefix, gateSettings(config), log);
  const query = async (text: string): Promise<unknown> => sql.query(Prisma.raw(text));
  const allQueues: Queue[] = [queues.ingest, queues.fanout, queues.delivery, queues.maintenance];
  const breaker: EndpointGate = gate;
  const metrics = overrides.thread
    ? createMetrics({ service: "worker", processMetrics: false })
    : createMetrics({
        service: "worker",
        sources: {
          queues: allQueues,
          queuesReady: () => redis.status === "ready",
          countDisabledWebhooks: disabledWebhooksCounter(query),
          ...(breaker.openCircuits ? { openCircuits: () => breaker.openCircuits?.() ?? 0 } : {}),
        },
      });
  for (const queue of allQueues) {
    // Without a listener a Redis outage would throw out of the queue's emitter and end the process;
    // the workers reconnect by themselves and /readyz reports Redis meanwhile.
    queue.on("error", (err) => log.warn("queue connection error", { queue: queue.name, error: err.message }));
  }
  return {
    config,
    log,
    sql,
    redis,
    queues: {
      ingest: queues.ingest,
      fanout: queues.fanout as Queue<FanoutJobData>,
      delivery: queues.delivery as Queue<DeliveryJobData>,
      maintenance: queues.maintenance,
    },
    client,
    envelopes: new EnvelopeCache(config.envelopeCacheSize, {
      settings: new WebhookSettingsRepository(sql, { lingerMs: config.dbBatchLingerMs }),
      registryHost: config.registryHost,
    }),
    gate,
    userAgent,
    metrics,
    readiness: () => checkReadiness({ postgres: postgresProbe(query), redis: redisProbe(redis) }, config.readinessTimeoutMs),
    async close() {
      client.close();
      await queues.close();
      redis.disconnect();
      await sql.end();
    },
  };
}
