// The worker's configuration: read from the environment once, validated with ajv at boot.
// A bad or missing variable stops the start with a message naming it.
import { availableParallelism } from "node:os";
import { Type, type Static } from "@sinclair/typebox";
import { ConfigError, configError, loadEnv } from "@msr-webhooks/config/env";
import { OutboundEnv, outboundSettings } from "@msr-webhooks/delivery/outbound-settings";
import { ProducerEnv, producerDedupeWindowMs } from "@msr-webhooks/db/producer-settings";
import { keyPrefix, RedisEnv, redisSettings, type RedisSettings } from "@msr-webhooks/queue/redis-settings";
import { Duration, DURATION_SOURCE, durationMs, parseDurationList } from "@msr-webhooks/config/duration";

/** Every variable the worker reads, with its default (exported for the deployment tests). */
export const Env = Type.Object({
  DATABASE_URL: Type.String({ pattern: "^postgres(ql)?://" }),
  ...RedisEnv,
  QUEUE_PREFIX: Type.String({ pattern: "^[A-Za-z0-9_-]+$", default: "msrwh" }),
  LOG_LEVEL: Type.Union(
    ["error", "warn", "info", "http", "verbose", "debug", "silly"].map((l) => Type.Literal(l)),
    { default: "info" },
  ),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
  DB_BATCH_LINGER_MS: Type.Integer({ minimum: 0, maximum: 1000, default: 2 }),
  // Concurrent jobs of one kind share one batched statement: more at once means larger batches.
  INGEST_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  FANOUT_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  // One Node.js thread is the limit of a worker: per delivery it spends about as much CPU on the
  // job, the endpoint gate and the row writes as on the HTTP request. Deliveries on a second
  // thread gave 15% more deliveries/s on 2 cores but raised p99 latency at half load from 161 to
  // 420-574 ms, the main thread then fanning out and delivering at once (docs/benchmarks.md), and
  // a second heap: opt-in, for draining backlogs on larger machines. 0: one per core, at most 4.
  WORKER_THREADS: Type.Integer({ minimum: 0, maximum: 64, default: 1 }),
  // Attempts are I/O-bound and their row writes are batched: more in flight means larger batches.
  DELIVERY_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 5000, default: 200 }),
  // First attempts the worker makes straight from its fan-out (the main thread's), without a queue
  // job, in flight at most, beside DELIVERY_CONCURRENCY's jobs; past it, or refused by the owner's
  // share or the endpoint gate, a first attempt goes through its job. 0: every attempt goes through a job.
  INLINE_FIRST_ATTEMPTS: Type.Integer({ minimum: 0, maximum: 5000, default: 200 }),
  // Past INLINE_FIRST_ATTEMPTS or the owner's free slots, first attempts whose owner's slots free fast
  // are queued in the worker's memory (their rows leased) instead of taking a job, up to this many
  // bytes (each counted as its event's contents, certificate and secrets at two bytes a character plus
  // 1 KiB). 0: none is queued.
  INLINE_QUEUE_BYTES: Type.Integer({ minimum: 0, maximum: 1073741824, default: 33554432 }),
  RETRY_SCHEDULE: Type.String({
    pattern: `^\\s*${DURATION_SOURCE}(\\s*,\\s*${DURATION_SOURCE})*\\s*$`,
    default: "5s,5m,30m,2h,5h,10h,10h",
  }),
  RETRY_JITTER: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
  RETRY_AFTER_MAX: Duration("1h"),
  DELIVERY_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 5000 }),
  DELIVERY_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 15000 }),
  AUTO_DISABLE_AFTER: Duration("5d"),
  RETENTION: Duration("14d"),
  ...ProducerEnv,
  RECONCILE_INTERVAL: Duration("30s"),
  RECONCILE_MIN_AGE: Duration("10s"),
  PURGE_INTERVAL: Duration("1h"),
  ENVELOPE_CACHE_SIZE: Type.Integer({ minimum: 1, default: 1000 }),
  // The registry host as clients see it (the API's too): CloudEvents source and chat message links.
  REGISTRY_HOST: Type.String({ minLength: 1, default: "localhost:5000" }),
  WORKER_LOCK_DURATION_MS: Type.Integer({ minimum: 1000, default: 30000 }),
  WORKER_STALLED_INTERVAL_MS: Type.Integer({ minimum: 500, default: 30000 }),
  WORKER_MAX_STALLED_COUNT: Type.Integer({ minimum: 0, default: 3 }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 25000 }),
  ...OutboundEnv,
  // TLS contexts (with keep-alive agents) kept per thread for endpoints' own tlsCert; the least recently used goes.
  TLS_AGENT_CACHE_SIZE: Type.Integer({ minimum: 1, maximum: 100000, default: 256 }),
  // Per-endpoint isolation (endpoint = URL origin), shared by every worker through Redis.
  ENDPOINT_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 100000, default: 10 }),
  ENDPOINT_BUSY_WAIT: Duration("1s"),
  ENDPOINT_BUSY_RETRY: Duration("1s"),
  BREAKER_WINDOW: Duration("60s"),
  BREAKER_MIN_ATTEMPTS: Type.Integer({ minimum: 1, default: 10 }),
  BREAKER_FAILURE_RATIO: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.7 }),
  BREAKER_CONSECUTIVE_FAILURES: Type.Integer({ minimum: 1, default: 10 }),
  BREAKER_OPEN: Duration("30s"),
  // A delivery an open circuit still refuses at this age ends failed without another attempt, so a
  // dead endpoint's backlog stays bounded (its rows and jobs) until AUTO_DISABLE_AFTER stops it.
  OPEN_CIRCUIT_MAX_AGE: Duration("2d"),
  // Fair delivery: one owner (a webhook's author account) may hold at most this share of a worker
  // thread's delivery slots (DELIVERY_CONCURRENCY per thread), at least 1; attempts over it are deferred unspent.
  OWNER_MAX_SHARE: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.25 }),
  // An attempt over its owner's share waits in process for the owner's next slot, instead of being
  // parked, when the owner's measured pace says its turn comes within this (each waits at most twice
  // this, then is parked); 0: always parked.
  OWNER_HOLD_WAIT: Duration("100ms"),
  // Slow lane: an endpoint whose last SLOW_ENDPOINT_TIMEOUTS attempts all timed out gets this in-flight
  // cap (instead of ENDPOINT_MAX_IN_FLIGHT) until one of its attempts is answered in time.
  SLOW_ENDPOINT_TIMEOUTS: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),
  SLOW_ENDPOINT_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, maximum: 100000, default: 2 }),
  // Parking: a delivery refused because its owner or its endpoint is at its cap waits, spending
  // nothing, until a slot frees and wakes it; at most PARKED_MAX_WAIT (its job then comes back on
  // its own: after DELIVERY_TIMEOUT_MS + 5 s, or its turn in a backlog, doubling). At most
  // PARKED_WAITERS_MAX are remembered per owner (per thread) and per endpoint (in Redis).
  PARKED_MAX_WAIT: Duration("5m"),
  PARKED_WAITERS_MAX: Type.Integer({ minimum: 0, maximum: 1000000, default: 10000 }),
  // The worker's small HTTP server: /healthz, /readyz, /metrics (0 picks a free port).
  WORKER_HTTP_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
  WORKER_HTTP_HOST: Type.String({ minLength: 1, default: "0.0.0.0" }),
  // /readyz: how long each dependency (PostgreSQL, Redis) may take to answer.
  READINESS_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60000, default: 2000 }),
  // When set, GET /metrics needs `Authorization: Bearer <token>`; unset, it is open (as Prometheus scrapes).
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: "^\\S+$" })),
});
type Env = Static<typeof Env>;

export interface RetryPolicy {
  /** Delay after each failed attempt (ms); attempts in all = length + 1. */
  scheduleMs: number[];
  jitter: number;
  retryAfterMaxMs: number;
  maxAttempts: number;
}

export interface WorkerConfig {
  databaseUrl: string;
  /** One Redis node or a Redis Cluster (REDIS_URL / REDIS_CLUSTER_NODES). */
  redis: RedisSettings;
  queuePrefix: string;
  logLevel: string;
  dbPoolSize: number;
  /** How long a short batch of row writes may wait for company: fewer, larger statements under load. */
  dbBatchLingerMs: number;
  /**
   * Threads running delivery workers in this process, the main thread included (which also runs
   * ingest, fan-out and maintenance); each takes its share of DELIVERY_CONCURRENCY (threadShare).
   */
  threads: number;
  concurrency: { ingest: number; fanout: number; delivery: number; inlineFirstAttempts: number; inlineQueueBytes: number };
  retry: RetryPolicy;
  delivery: {
    connectTimeoutMs: number;
    totalTimeoutMs: number;
    allowCidrs: string[];
    denyCidrs: string[];
    refusePrivate: boolean;
    tlsContextCacheSize: number;
  };
  autoDisableAfterMs: number;
  producerDedupeWindowMs: number;
  envelopeCacheSize: number;
  /** REGISTRY_HOST: the CloudEvents source and the link of the chat formats. */
  registryHost: string;
  maintenance: { retentionMs: number; reconcileIntervalMs: number; reconcileMinAgeMs: number; purgeIntervalMs: number };
  bullmq: { lockDurationMs: number; stalledIntervalMs: number; maxStalledCount: number };
  shutdownGraceMs: number;
  /** Where /healthz, /readyz and /metrics are served. */
  http: { port: number; host: string };
  readinessTimeoutMs: number;
  /** The bearer token GET /metrics requires; undefined: open. */
  metricsToken: string | undefined;
  isolation: {
    maxInFlight: number;
    busyWaitMs: number;
    busyRetryMs: number;
    breaker: { windowMs: number; minAttempts: number; failureRatio: number; consecutiveFailures: number; openMs: number };
    /** A delivery refused by an open circuit at this age (since it was made) ends failed. */
    openCircuitMaxAgeMs: number;
    /** The most of a thread's delivery slots one owner may hold at once (0..1]. */
    ownerMaxShare: number;
    /** An attempt over its owner's share waits in process when the owner's next slot is expected within this (ms); 0: never. */
    ownerHoldWaitMs: number;
    /** Endpoints whose last `afterTimeouts` attempts timed out are capped at `maxInFlight`. */
    slowLane: { afterTimeouts: number; maxInFlight: number };
    /** Refused deliveries parked until a slot frees: at most `maxWaitMs`, `maxWaiters` remembered per owner / endpoint (0: none). */
    parking: { maxWaitMs: number; maxWaiters: number };
  };
}

export { ConfigError };


/** Builds the config from an environment map (process.env in production, a literal in tests). */
export function loadConfig(source: Record<string, string | undefined>): WorkerConfig {
  const env = loadEnv<Env>(Env, source);
  const redis = redisSettings(env, configError);
  const scheduleMs = parseDurationList(env.RETRY_SCHEDULE);
  if (scheduleMs === null) {
    throw configError(`RETRY_SCHEDULE: "${env.RETRY_SCHEDULE}" is not a list of durations`);
  }
  return {
    databaseUrl: env.DATABASE_URL,
    redis,
    queuePrefix: keyPrefix(env.QUEUE_PREFIX, redis),
    logLevel: env.LOG_LEVEL,
    dbPoolSize: env.DB_POOL_SIZE,
    dbBatchLingerMs: env.DB_BATCH_LINGER_MS,
    threads: env.WORKER_THREADS === 0 ? Math.min(4, availableParallelism()) : env.WORKER_THREADS,
    concurrency: {
      ingest: env.INGEST_CONCURRENCY,
      fanout: env.FANOUT_CONCURRENCY,
      delivery: env.DELIVERY_CONCURRENCY,
      inlineFirstAttempts: env.INLINE_FIRST_ATTEMPTS,
      inlineQueueBytes: env.INLINE_QUEUE_BYTES,
    },
    retry: {
      scheduleMs,
      jitter: env.RETRY_JITTER,
      retryAfterMaxMs: durationMs("RETRY_AFTER_MAX", env.RETRY_AFTER_MAX),
      maxAttempts: scheduleMs.length + 1,
    },
    delivery: {
      connectTimeoutMs: env.DELIVERY_CONNECT_TIMEOUT_MS,
      totalTimeoutMs: env.DELIVERY_TIMEOUT_MS,
      ...outboundSettings(env, configError),
      tlsContextCacheSize: env.TLS_AGENT_CACHE_SIZE,
    },
    autoDisableAfterMs: durationMs("AUTO_DISABLE_AFTER", env.AUTO_DISABLE_AFTER),
    producerDedupeWindowMs: producerDedupeWindowMs(env),
    envelopeCacheSize: env.ENVELOPE_CACHE_SIZE,
    registryHost: env.REGISTRY_HOST,
    maintenance: {
      retentionMs: durationMs("RETENTION", env.RETENTION, 60_000),
      reconcileIntervalMs: durationMs("RECONCILE_INTERVAL", env.RECONCILE_INTERVAL, 100),
      reconcileMinAgeMs: durationMs("RECONCILE_MIN_AGE", env.RECONCILE_MIN_AGE),
      purgeIntervalMs: durationMs("PURGE_INTERVAL", env.PURGE_INTERVAL, 1000),
    },
    bullmq: {
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
      stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: env.WORKER_MAX_STALLED_COUNT,
    },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    http: { port: env.WORKER_HTTP_PORT, host: env.WORKER_HTTP_HOST },
    readinessTimeoutMs: env.READINESS_TIMEOUT_MS,
    metricsToken: env.METRICS_TOKEN,
    isolation: {
      maxInFlight: env.ENDPOINT_MAX_IN_FLIGHT,
      busyWaitMs: durationMs("ENDPOINT_BUSY_WAIT", env.ENDPOINT_BUSY_WAIT),
      busyRetryMs: durationMs("ENDPOINT_BUSY_RETRY", env.ENDPOINT_BUSY_RETRY, 10),
      breaker: {
        windowMs: durationMs("BREAKER_WINDOW", env.BREAKER_WINDOW, 1000),
        minAttempts: env.BREAKER_MIN_ATTEMPTS,
        failureRatio: env.BREAKER_FAILURE_RATIO,
        consecutiveFailures: env.BREAKER_CONSECUTIVE_FAILURES,
        openMs: durationMs("BREAKER_OPEN", env.BREAKER_OPEN, 100),
      },
      openCircuitMaxAgeMs: durationMs("OPEN_CIRCUIT_MAX_AGE", env.OPEN_CIRCUIT_MAX_AGE, 1000),
      ownerMaxShare: env.OWNER_MAX_SHARE,
      ownerHoldWaitMs: durationMs("OWNER_HOLD_WAIT", env.OWNER_HOLD_WAIT),
      slowLane: { afterTimeouts: env.SLOW_ENDPOINT_TIMEOUTS, maxInFlight: env.SLOW_ENDPOINT_MAX_IN_FLIGHT },
      parking: { maxWaitMs: durationMs("PARKED_MAX_WAIT", env.PARKED_MAX_WAIT, 1000), maxWaiters: env.PARKED_WAITERS_MAX },
    },
  };
}

/**
 * One thread's config: deliveries run on every thread, so DELIVERY_CONCURRENCY (per process) is
 * split across them, rounded up. Ingest, fan-out and maintenance run on the main thread only.
 */
export function threadShare(config: WorkerConfig): WorkerConfig {
  return {
    ...config,
    concurrency: { ...config.concurrency, delivery: Math.max(1, Math.ceil(config.concurrency.delivery / config.threads)) },
  };
}
