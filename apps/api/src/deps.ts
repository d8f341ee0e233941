// The API's composition root: every infrastructure object is built here, from one
// validated config object.
import type { LookupFunction } from "node:net";
import { createPrisma } from "@msr-webhooks/db/client";
import { createAddressPolicy } from "@msr-webhooks/delivery/address-policy";
import { createEndpointScreen } from "@msr-webhooks/delivery/endpoint-screen";
import { createDeliveryClient, type DeliveryClient } from "@msr-webhooks/delivery/http-client";
import { checkReadiness, postgresProbe, redisProbe, type Readiness } from "@msr-webhooks/observability/health";
import { createLogger, errorMessage } from "@msr-webhooks/observability/logger";
import { createMetrics, disabledWebhooksCounter, type Metrics } from "@msr-webhooks/observability/metrics";
import { createQueues, createRedis } from "@msr-webhooks/queue/connection";
import type { DeliveryJobData, FanoutJobData } from "@msr-webhooks/queue/names";
import type { Queue } from "bullmq";
import type { Logger } from "winston";
import type { ApiConfig } from "./config.js";
import { createAuthFailureLimiter, type AuthFailureLimiter } from "./http/auth-failure-limit.js";
import type { SessionAuthDeps } from "./http/session-auth.js";
import { createSessionStore } from "./http/session-store.js";
import { AuthService } from "./identity/auth.service.js";
import { buildOpenApi, type OpenApiDocument } from "./openapi/document.js";
import { ErrorBodySchema } from "./openapi/error-schema.js";
import { RegistryCache } from "./registry/registry-cache.js";
import { RegistryClient } from "./registry/registry-client.js";
import type { RouteGroup } from "./http/route-spec.js";
import { routeGroups } from "./routes/route-groups.js";
import { AccessService } from "./services/access.service.js";
import { AccountsService } from "./services/accounts.service.js";
import { DeliveriesRepository } from "./repositories/deliveries.repository.js";
import { DeliveriesService } from "./services/deliveries.service.js";
import { DistributionService } from "./services/distribution.service.js";
import { ApiTokensService } from "./services/api-tokens.service.js";
import { EventRecorder } from "./services/event-recorder.service.js";
import { IngestService } from "./services/ingest.service.js";
import { RepositoriesService } from "./services/repositories.service.js";
import { SessionService } from "./services/session.service.js";
import { WebhookStatsRepository } from "./repositories/webhook-stats.repository.js";
import { WebhookStatsService } from "./services/webhook-stats.service.js";
import { AdminOverviewRepository } from "./repositories/admin-overview.repository.js";
import { AdminOverviewService } from "./services/admin-overview.service.js";
import type { Services } from "./services/services.js";
import { TeamsService } from "./services/teams.service.js";
import { WebhookAccessService } from "./services/webhook-access.service.js";
import { WebhookEndpointRules } from "./services/webhook-endpoint.js";
import { createRedeliveryLimiter } from "./services/redelivery-limit.js";
import { createWebhookTestLimiter } from "./services/webhook-test-limit.js";
import { WebhookSettingsService } from "./services/webhook-settings.service.js";
import { capTestSendsInFlight } from "./services/test-sends-in-flight.js";
import { WebhookTestService } from "./services/webhook-test.service.js";
import { WebhooksService } from "./services/webhooks.service.js";
import { PRODUCT, VERSION } from "./version.js";

export interface ApiDeps {
  config: ApiConfig;
  log: Logger;
  services: Services;
  groups: RouteGroup[];
  openApi: OpenApiDocument;
  metrics: Metrics;
  /** Every BullMQ queue of the deployment (Bull Board shows them; /metrics counts their jobs). */
  queues: Queue[];
  /** PostgreSQL `SELECT 1` and Redis `PING`, each within config.readinessTimeoutMs. */
  readiness(): Promise<Readiness>;
  /** Failed sign-ins per client address, shared by the replicas through Redis. */
  authFailures: AuthFailureLimiter;
  /** What turns the console's session cookie into a principal. */
  sessionAuth: SessionAuthDeps;
  /** The outbound HTTP client of POST /webhooks/test (its TLS context count is observable). */
  deliveryClient: DeliveryClient;
  close(): Promise<void>;
}

/** What tests may swap in. */
export interface ApiDepsOverrides {
  /**
   * DNS for POST /webhooks/test and the screening of endpoints when subscribed, in place of dns.lookup
   * (tests only: a resolver whose answers they choose). Its answers still pass through the outbound
   * address policy.
   */
  lookup?: LookupFunction;
}

// Distinct from the delivery client's: the registry reports our own manifest reads as pulls.
const REGISTRY_USER_AGENT = `${PRODUCT}/${VERSION} registry-client`;

export function buildDeps(
  config: ApiConfig,
  log: Logger = createLogger(config.logLevel, "api"),
  overrides: ApiDepsOverrides = {},
): ApiDeps {
  const db = createPrisma({ url: config.databaseUrl, poolSize: config.dbPoolSize });
  const redis = createRedis(config.redis);
  const queueSet = createQueues(redis, { prefix: config.queuePrefix });
  // Its own connection: a sign-in must not wait on Redis (the queues' connection waits forever).
  const limiterRedis = createRedis(config.redis, { maxRetriesPerRequest: 1, commandTimeout: 500 });
  limiterRedis.on("error", () => undefined);
  const queues = [queueSet.ingest, queueSet.fanout, queueSet.delivery, queueSet.maintenance];
  for (const queue of queues) {
    // Without a listener an 'error' (Redis down) would throw out of the event emitter and kill the
    // process; the API keeps serving what needs no queue and /readyz reports Redis.
    queue.on("error", (err) => log.warn("queue connection error", { queue: queue.name, error: errorMessage(err) }));
  }
  const fanoutQueue = queueSet.fanout as Queue<FanoutJobData>;
  // Redeliver and recover queue their requests here, on the same connection and prefix as the worker's.
  const deliveryQueue = queueSet.delivery as Queue<DeliveryJobData>;
  const metrics = createMetrics({
    service: "api",
    sources: {
      queues,
      queuesReady: () => redis.status === "ready",
      countDisabledWebhooks: disabledWebhooksCounter((q) => db.$queryRawUnsafe(q)),
    },
  });
  const authFailures = createAuthFailureLimiter(
    limiterRedis,
    { prefix: config.queuePrefix, ...config.authFailures },
    log,
  );
  const sessionStore = createSessionStore(limiterRedis, { prefix: config.queuePrefix, ...config.sessions });
  const auth = new AuthService(db, config.authCacheTtlMs, () => authFailures.bumpEpoch(), log);
  const access = new AccessService(db);
  const events = new EventRecorder(db, fanoutQueue, log, metrics, config.producerDedupeWindowMs);
  const accounts = new AccountsService(db, auth, events);
  // One client per process, built like the worker's: /webhooks/test obeys the same address policy and TLS rules,
  // and subscribing screens endpoints with that same policy and lookup.
  const addressPolicy = createAddressPolicy({
    allow: config.delivery.allowCidrs,
    deny: config.delivery.denyCidrs,
    refusePrivate: config.delivery.refusePrivate,
  });
  const lookup = overrides.lookup ? { lookup: overrides.lookup } : {};
  const deliveryClient = createDeliveryClient({
    userAgent: `${PRODUCT}/${VERSION}`,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    totalTimeoutMs: config.delivery.totalTimeoutMs,
    addressPolicy,
    // No TLS context is kept: a test call's tlsCert is rarely sent again, so each call builds its own
    // (about 1 ms) and frees it when done. A kept one per distinct certificate cost tens of MB (issue 14).
    tlsContextCacheSize: 0,
    ...lookup,
  });
  const endpointRules = new WebhookEndpointRules(
    createEndpointScreen({ policy: addressPolicy, lookupTimeoutMs: config.webhooks.endpointDnsTimeoutMs, ...lookup }),
    { tlsCertMaxBytes: config.webhooks.tlsCertMaxBytes },
  );
  const webhooks = new WebhooksService(db, access, new WebhookAccessService(access), log, endpointRules, {
    perUser: config.webhooks.perUser,
    perKey: config.webhooks.perKey,
    listPageSize: config.webhooks.listPageSize,
    listMaxBytes: config.webhooks.listMaxBytes,
  });
  const services: Services = {
    config,
    db,
    log,
    auth,
    events,
    access,
    accounts,
    teams: new TeamsService(db, accounts),
    repositories: new RepositoriesService(db, access, events),
    apiTokens: new ApiTokensService(db, auth, { perUser: config.apiTokensPerUser }),
    webhooks,
    webhookTests: new WebhookTestService(
      capTestSendsInFlight(deliveryClient, config.webhooks.testMaxInFlight),
      endpointRules,
      createWebhookTestLimiter(
        limiterRedis,
        { prefix: config.queuePrefix, limit: config.webhooks.testRateLimit, windowMs: config.webhooks.testRateWindowMs },
        log,
      ),
      { registryHost: config.registryHost, userAgent: `${PRODUCT}/${VERSION}`, detail: config.webhooks.responseDetail },
    ),
    webhookSettings: new WebhookSettingsService(db, webhooks, log),
    deliveries: new DeliveriesService(new DeliveriesRepository(db), webhooks, deliveryQueue, log, {
      maxRecover: config.webhooks.recoverMax,
      redeliveries: createRedeliveryLimiter(limiterRedis, { prefix: config.queuePrefix, limit: config.webhooks.redeliveriesPerHour }, log),
    }),
    ingest: new IngestService(events, metrics),
    sessions: new SessionService(auth, authFailures, sessionStore),
    webhookStats: new WebhookStatsService(webhooks, new WebhookStatsRepository(db)),
    adminOverview: new AdminOverviewService(new AdminOverviewRepository(db), deliveryQueue, log),
    distribution: new DistributionService({
      db,
      events,
      registry: new RegistryClient({
        url: config.registry.url,
        username: config.registry.username,
        password: config.registry.password,
        timeoutMs: config.registry.timeoutMs,
        userAgent: REGISTRY_USER_AGENT,
      }),
      registryUserAgent: REGISTRY_USER_AGENT,
      cache: new RegistryCache(redis, config.queuePrefix),
      registryHost: config.registryHost,
      notificationToken: config.registry.notificationToken,
      log,
      metrics,
    }),
  };
  const groups = routeGroups(services);
  return {
    config,
    log,
    services,
    groups,
    openApi: buildOpenApi(groups, ErrorBodySchema, VERSION),
    metrics,
    queues,
    readiness: () => checkReadiness({ postgres: postgresProbe((q) => db.$queryRawUnsafe(q)), redis: redisProbe(redis) }, config.readinessTimeoutMs),
    authFailures,
    sessionAuth: { store: sessionStore, db, epoch: () => authFailures.epoch() },
    deliveryClient,
    async close() {
      deliveryClient.close();
      await queueSet.close();
      redis.disconnect();
      limiterRedis.disconnect();
      await db.$disconnect();
    },
  };
}
