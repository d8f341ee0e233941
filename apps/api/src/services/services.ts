// The services the routes call, built once in deps.ts.
import type { PrismaClient } from "@msr-webhooks/db/client";
import type { Logger } from "winston";
import type { ApiConfig } from "../config.js";
import type { AuthService } from "../identity/auth.service.js";
import type { AccessService } from "./access.service.js";
import type { AccountsService } from "./accounts.service.js";
import type { DeliveriesService } from "./deliveries.service.js";
import type { ApiTokensService } from "./api-tokens.service.js";
import type { DistributionService } from "./distribution.service.js";
import type { EventRecorder } from "./event-recorder.service.js";
import type { IngestService } from "./ingest.service.js";
import type { RepositoriesService } from "./repositories.service.js";
import type { SessionService } from "./session.service.js";
import type { WebhookStatsService } from "./webhook-stats.service.js";
import type { AdminOverviewService } from "./admin-overview.service.js";
import type { TeamsService } from "./teams.service.js";
import type { WebhookSettingsService } from "./webhook-settings.service.js";
import type { WebhookTestService } from "./webhook-test.service.js";
import type { WebhooksService } from "./webhooks.service.js";

export interface Services {
  config: ApiConfig;
  db: PrismaClient;
  log: Logger;
  auth: AuthService;
  events: EventRecorder;
  access: AccessService;
  accounts: AccountsService;
  teams: TeamsService;
  repositories: RepositoriesService;
  apiTokens: ApiTokensService;
  webhooks: WebhooksService;
  webhookTests: WebhookTestService;
  /** Per-webhook payload format and filters (outside the MSR webhook object). */
  webhookSettings: WebhookSettingsService;
  deliveries: DeliveriesService;
  ingest: IngestService;
  distribution: DistributionService;
  /** The console's sign-in sessions. */
  sessions: SessionService;
  /** Per-webhook health numbers (the console's health panel). */
  webhookStats: WebhookStatsService;
  /** The system admins' overview (the console's Overview page). */
  adminOverview: AdminOverviewService;
}
