// The API's composition root: every infrastructure object is built here, from one
// validated config object.
import { createPrisma } from "@msr-webhooks/db/client";
import { createAddressPolicy } from "@msr-webhooks/delivery/address-policy";
import { createDeliveryClient } from "@msr-webhooks/delivery/http-client";
import { createQueue, createRedis } from "@msr-webhooks/queue/connection";
import { QUEUE_NAMES, type FanoutJobData } from "@msr-webhooks/queue/names";
import type { Logger } from "winston";
import type { ApiConfig } from "./config.js";
import { AuthService } from "./identity/auth.service.js";
import { createLogger } from "./logger.js";
import { buildOpenApi, type OpenApiDocument } from "./openapi/document.js";
import { ErrorBodySchema } from "./openapi/error-schema.js";
import { RegistryCache } from "./registry/registry-cache.js";
import { RegistryClient } from "./registry/registry-client.js";
import type { RouteGroup } from "./http/route-spec.js";
import { routeGroups } from "./routes/route-groups.js";
import { AccessService } from "./services/access.service.js";
import { AccountsService } from "./services/accounts.service.js";
import { DistributionService } from "./services/distribution.service.js";
import { ApiTokensService } from "./services/api-tokens.service.js";
import { EventRecorder } from "./services/event-recorder.service.js";
import { IngestService } from "./services/ingest.service.js";
import { RepositoriesService } from "./services/repositories.service.js";
import type { Services } from "./services/services.js";
import { TeamsService } from "./services/teams.service.js";
import { WebhookAccessService } from "./services/webhook-access.service.js";
import { WebhookTestService } from "./services/webhook-test.service.js";
import { WebhooksService } from "./services/webhooks.service.js";
import { PRODUCT, VERSION } from "./version.js";

export interface ApiDeps {
  config: ApiConfig;
  log: Logger;
  services: Services;
  groups: RouteGroup[];
  openApi: OpenApiDocument;
  close(): Promise<void>;
}

// Distinct from the delivery client's: the registry reports our own manifest reads as pulls.
const REGISTRY_USER_AGENT = `${PRODUCT}/${VERSION} registry-client`;

export function buildDeps(config: ApiConfig, log: Logger = createLogger(config.logLevel, "api")): ApiDeps {
  const db = createPrisma({ url: config.databaseUrl, poolSize: config.dbPoolSize });
  const redis = createRedis(config.redisUrl);
  const fanoutQueue = createQueue<FanoutJobData>(QUEUE_NAMES.fanout, redis, { prefix: config.queuePrefix });
  const auth = new AuthService(db, config.authCacheTtlMs);
  const access = new AccessService(db);
  const events = new EventRecorder(db, fanoutQueue, log);
  const accounts = new AccountsService(db, auth, events);
  // One client per process, built like the worker's: /webhooks/test obeys the same address policy and TLS rules.
  const deliveryClient = createDeliveryClient({
    userAgent: `${PRODUCT}/${VERSION}`,
    connectTimeoutMs: config.delivery.connectTimeoutMs,
    totalTimeoutMs: config.delivery.totalTimeoutMs,
    addressPolicy: createAddressPolicy({ allow: config.delivery.allowCidrs, deny: config.delivery.denyCidrs }),
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
    apiTokens: new ApiTokensService(db, auth),
    webhooks: new WebhooksService(db, access, new WebhookAccessService(access), log),
    webhookTests: new WebhookTestService(deliveryClient, config.registryHost, `${PRODUCT}/${VERSION}`),
    ingest: new IngestService(events),
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
    }),
  };
  const groups = routeGroups(services);
  return {
    config,
    log,
    services,
    groups,
    openApi: buildOpenApi(groups, ErrorBodySchema, VERSION),
    async close() {
      deliveryClient.close();
      await fanoutQueue.close();
      redis.disconnect();
      await db.$disconnect();
    },
  };
}
