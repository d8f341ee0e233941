// The API's configuration: read from the environment once, validated with ajv at boot.
// A bad or missing variable stops the start with a message naming it.
import path from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { ConfigError, configError, loadEnv } from "@msr-webhooks/config/env";
import proxyaddr from "proxy-addr";
import { OutboundEnv, outboundSettings } from "@msr-webhooks/delivery/outbound-settings";
import { ProducerEnv, producerDedupeWindowMs } from "@msr-webhooks/db/producer-settings";
import { keyPrefix, RedisEnv, redisSettings, type RedisSettings } from "@msr-webhooks/queue/redis-settings";
import { isIdShaped } from "@msr-webhooks/db/accounts";

/** Every variable the API reads, with its default (exported for the deployment tests). */
export const Env = Type.Object({
  DATABASE_URL: Type.String({ pattern: "^postgres(ql)?://" }),
  ...RedisEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: "0.0.0.0" }),
  REGISTRY_HOST: Type.String({ minLength: 1, default: "localhost:5000" }),
  MSR_ADMIN_USERNAME: Type.String({ pattern: "^[a-z0-9][a-z0-9._-]{0,254}$", default: "admin" }),
  MSR_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8 })),
  QUEUE_PREFIX: Type.String({ pattern: "^[A-Za-z0-9_-]+$", default: "msrwh" }),
  LOG_LEVEL: Type.Union(
    ["error", "warn", "info", "http", "verbose", "debug", "silly"].map((l) => Type.Literal(l)),
    { default: "info" },
  ),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1048576 }),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
  AUTH_CACHE_TTL_MS: Type.Integer({ minimum: 0, default: 30000 }),
  // API tokens one user may hold (active or not); creating one more answers 400.
  API_TOKENS_PER_USER: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
  DELIVERY_CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 5000 }),
  DELIVERY_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 15000 }),
  ...OutboundEnv,
  // Largest tlsCert accepted (bytes); the request schema's ceiling is 256 KiB.
  WEBHOOK_TLS_CERT_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 262144, default: 65536 }),
  // How long subscribe/test may wait for an endpoint name's addresses (0: names are not resolved then).
  WEBHOOK_ENDPOINT_DNS_TIMEOUT_MS: Type.Integer({ minimum: 0, maximum: 60000, default: 2000 }),
  // How long a producer's event id is remembered (POST /events, registry notifications), as in the worker.
  ...ProducerEnv,
  // POST /webhooks/test sends per user and window (counted in Redis, shared by replicas); 0: no limit.
  WEBHOOK_TEST_RATE_LIMIT: Type.Integer({ minimum: 0, default: 10 }),
  WEBHOOK_TEST_RATE_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60000 }),
  // POST /webhooks/test sends in flight at once in this API process, all users together (503 past it); 0: no cap.
  WEBHOOK_TEST_MAX_IN_FLIGHT: Type.Integer({ minimum: 0, maximum: 10000, default: 32 }),
  // Who sees a test's response body and exact failure cause: system admins only, or everyone.
  RESPONSE_DETAIL: Type.Optional(Type.Union([Type.Literal("admins"), Type.Literal("everyone")])),
  /** The earlier name of RESPONSE_DETAIL (it then governed POST /webhooks/test only). */
  WEBHOOK_TEST_DETAIL: Type.Optional(Type.Union([Type.Literal("admins"), Type.Literal("everyone")])),
  // Webhooks one user may author, and webhooks on one subscription key (repository, namespace, or all) across users.
  WEBHOOKS_PER_USER: Type.Integer({ minimum: 1, maximum: 100000, default: 100 }),
  WEBHOOKS_PER_KEY: Type.Integer({ minimum: 1, maximum: 100000, default: 50 }),
  // Webhook listings: webhooks per page when the client sends no pageSize (pageSize may ask up to 1000),
  // and the most bytes of webhooks in one page (a page ends early past it; it always holds one webhook).
  WEBHOOK_LIST_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  WEBHOOK_LIST_MAX_BYTES: Type.Integer({ minimum: 65536, maximum: 268435456, default: 8388608 }),
  // Redeliveries of one delivery per hour (counted in Redis, shared by replicas); most deliveries one recover call reopens.
  REDELIVERIES_PER_HOUR: Type.Integer({ minimum: 1, maximum: 10000, default: 10 }),
  RECOVER_MAX_DELIVERIES: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
  // The Distribution registry: its API (image configs, for os/architecture) and the token its
  // notifications endpoint sends as `Authorization: Bearer <token>`.
  REGISTRY_URL: Type.Optional(Type.String({ pattern: "^https?://[^\\s/]+" })),
  REGISTRY_USERNAME: Type.Optional(Type.String({ minLength: 1 })),
  REGISTRY_PASSWORD: Type.Optional(Type.String({ minLength: 1 })),
  REGISTRY_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 5000 }),
  REGISTRY_NOTIFICATION_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: "^\\S+$" })),
  // /readyz: how long each dependency (PostgreSQL, Redis) may take to answer.
  READINESS_TIMEOUT_MS: Type.Integer({ minimum: 50, maximum: 60000, default: 2000 }),
  // When set, GET /metrics needs `Authorization: Bearer <token>`; unset, it is open (as Prometheus scrapes).
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: "^\\S+$" })),
  // Sign-in attempts allowed per window (counted in Redis before the hash, shared by replicas):
  // per (client address, username); per username across addresses; per address across usernames.
  // AUTH_FAILURE_LIMIT 0 turns all three off.
  AUTH_FAILURE_LIMIT: Type.Integer({ minimum: 0, default: 10 }),
  AUTH_FAILURE_USER_LIMIT: Type.Integer({ minimum: 1, default: 50 }),
  AUTH_FAILURE_ADDRESS_LIMIT: Type.Integer({ minimum: 1, default: 200 }),
  AUTH_FAILURE_WINDOW_MS: Type.Integer({ minimum: 1000, default: 60000 }),
  // Proxies whose X-Forwarded-For is believed (the client address for the sign-in limit): a hop
  // count, or addresses, CIDRs and the names loopback, linklocal, uniquelocal. Empty: none.
  TRUST_PROXY: Type.String({ default: "" }),
  // The console's sign-in sessions: how long one lasts at most, and how many one account keeps
  // (signing in once more ends its oldest).
  // The console's build (apps/web/dist); default: the one next to this API in the workspace.
  CONSOLE_DIR: Type.Optional(Type.String({ minLength: 1 })),
  SESSION_TTL_MS: Type.Integer({ minimum: 60000, maximum: 2592000000, default: 43200000 }),
  SESSIONS_PER_USER: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  // A handler still running after this long is answered 503 SERVICE_UNAVAILABLE.
  HANDLER_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600000, default: 30000 }),
});
export type Env = Static<typeof Env>;

export interface ApiConfig {
  databaseUrl: string;
  /** One Redis node or a Redis Cluster (REDIS_URL / REDIS_CLUSTER_NODES). */
  redis: RedisSettings;
  port: number;
  host: string;
  registryHost: string;
  admin: { username: string; password: string | undefined };
  queuePrefix: string;
  logLevel: string;
  bodyLimitBytes: number;
  dbPoolSize: number;
  authCacheTtlMs: number;
  /** PRODUCER_DEDUPE_WINDOW (packages/db producer-settings), for the event recorder. */
  producerDedupeWindowMs: number;
  /** API_TOKENS_PER_USER: tokens one user may hold. */
  apiTokensPerUser: number;
  delivery: {
    connectTimeoutMs: number;
    totalTimeoutMs: number;
    allowCidrs: string[];
    denyCidrs: string[];
    refusePrivate: boolean;
  };
  /** Subscribe/test-time rules on endpoints, the limits of POST /webhooks/test, per-user/key counts, listing pages, replays. */
  webhooks: {
    tlsCertMaxBytes: number;
    endpointDnsTimeoutMs: number;
    testRateLimit: number;
    testRateWindowMs: number;
    testMaxInFlight: number;
    /** Who sees endpoints' whole answers in POST /webhooks/test and the delivery log (presenters/response-detail.ts). */
    responseDetail: "admins" | "everyone";
    perUser: number;
    perKey: number;
    listPageSize: number;
    listMaxBytes: number;
    redeliveriesPerHour: number;
    recoverMax: number;
  };
  /** The Distribution registry behind POST /api/v0/events/distribution. */
  registry: {
    /** Its API base URL; default `https://<REGISTRY_HOST>`. */
    url: string;
    username: string | undefined;
    password: string | undefined;
    timeoutMs: number;
    /** The bearer token notifications must carry; undefined: the endpoint is disabled. */
    notificationToken: string | undefined;
  };
  readinessTimeoutMs: number;
  /** The bearer token GET /metrics requires; undefined: open. */
  metricsToken: string | undefined;
  /** Failed sign-ins per client address before 429 (0: off), and the window they are counted in. */
  authFailures: { limit: number; userLimit: number; addressLimit: number; windowMs: number };
  /** Express's "trust proxy": false (the TCP peer is the client), a hop count, or trusted proxy addresses. */
  trustProxy: TrustProxy;
  handlerTimeoutMs: number;
  /** The console's static build, served at `/`. */
  consoleDir: string;
  /** The console's sessions: lifetime and the most one account keeps. */
  sessions: { ttlMs: number; perUser: number };
}

export type TrustProxy = false | number | string[];

export { ConfigError };

function trustProxy(value: string): TrustProxy {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed === "0") return false;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const list = trimmed.split(/[\s,]+/).filter((s) => s.length > 0);
  if (list.some((entry) => /^true$/i.test(entry))) {
    throw configError("TRUST_PROXY: name the proxies or give a hop count; true would let any client choose its address");
  }
  try {
    proxyaddr.compile(list);
  } catch (err) {
    throw configError(`TRUST_PROXY: ${err instanceof Error ? err.message : String(err)}`);
  }
  return list;
}

/** Builds the config from an environment map (process.env in production, a literal in tests). */
/** No account may be named like an id: lookups by id would find it (see accounts.repository). */
function adminUsername(name: string): string {
  if (isIdShaped(name)) throw configError("MSR_ADMIN_USERNAME: must not be shaped like an account id (a UUID)");
  return name;
}

export function loadConfig(source: Record<string, string | undefined>): ApiConfig {
  const env = loadEnv<Env>(Env, source);
  const redis = redisSettings(env, configError);
  const outbound = outboundSettings(env, configError);
  return {
    databaseUrl: env.DATABASE_URL,
    redis,
    port: env.PORT,
    host: env.HOST,
    registryHost: env.REGISTRY_HOST,
    admin: { username: adminUsername(env.MSR_ADMIN_USERNAME), password: env.MSR_ADMIN_PASSWORD },
    queuePrefix: keyPrefix(env.QUEUE_PREFIX, redis),
    logLevel: env.LOG_LEVEL,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    dbPoolSize: env.DB_POOL_SIZE,
    authCacheTtlMs: env.AUTH_CACHE_TTL_MS,
    producerDedupeWindowMs: producerDedupeWindowMs(env),
    apiTokensPerUser: env.API_TOKENS_PER_USER,
    delivery: {
      connectTimeoutMs: env.DELIVERY_CONNECT_TIMEOUT_MS,
      totalTimeoutMs: env.DELIVERY_TIMEOUT_MS,
      ...outbound,
    },
    webhooks: {
      tlsCertMaxBytes: env.WEBHOOK_TLS_CERT_MAX_BYTES,
      endpointDnsTimeoutMs: env.WEBHOOK_ENDPOINT_DNS_TIMEOUT_MS,
      testRateLimit: env.WEBHOOK_TEST_RATE_LIMIT,
      testRateWindowMs: env.WEBHOOK_TEST_RATE_WINDOW_MS,
      testMaxInFlight: env.WEBHOOK_TEST_MAX_IN_FLIGHT,
      // Once private addresses are refused, only public ones are reachable: nothing internal to read.
      responseDetail: env.RESPONSE_DETAIL ?? env.WEBHOOK_TEST_DETAIL ?? (outbound.refusePrivate ? "everyone" : "admins"),
      perUser: env.WEBHOOKS_PER_USER,
      perKey: env.WEBHOOKS_PER_KEY,
      listPageSize: env.WEBHOOK_LIST_PAGE_SIZE,
      listMaxBytes: env.WEBHOOK_LIST_MAX_BYTES,
      redeliveriesPerHour: env.REDELIVERIES_PER_HOUR,
      recoverMax: env.RECOVER_MAX_DELIVERIES,
    },
    registry: {
      url: (env.REGISTRY_URL ?? `https://${env.REGISTRY_HOST}`).replace(/\/+$/, ""),
      username: env.REGISTRY_USERNAME,
      password: env.REGISTRY_PASSWORD,
      timeoutMs: env.REGISTRY_TIMEOUT_MS,
      notificationToken: env.REGISTRY_NOTIFICATION_TOKEN,
    },
    readinessTimeoutMs: env.READINESS_TIMEOUT_MS,
    metricsToken: env.METRICS_TOKEN,
    authFailures: {
      limit: env.AUTH_FAILURE_LIMIT,
      userLimit: env.AUTH_FAILURE_USER_LIMIT,
      addressLimit: env.AUTH_FAILURE_ADDRESS_LIMIT,
      windowMs: env.AUTH_FAILURE_WINDOW_MS,
    },
    trustProxy: trustProxy(env.TRUST_PROXY),
    handlerTimeoutMs: env.HANDLER_TIMEOUT_MS,
    consoleDir: env.CONSOLE_DIR ?? path.resolve(import.meta.dirname, "../../web/dist"),
    sessions: { ttlMs: env.SESSION_TTL_MS, perUser: env.SESSIONS_PER_USER },
  };
}
