// Every route group of the API, in one list: the server and the OpenAPI document both
// read it.
import type { RouteGroup } from "../http/route-spec.js";
import type { Services } from "../services/services.js";
import { accountRoutes } from "./accounts.routes.js";
import { apiTokenRoutes } from "./api-tokens.routes.js";
import { deliveryRoutes } from "./deliveries.routes.js";
import { eventRoutes } from "./events.routes.js";
import { repositoryRoutes } from "./repositories.routes.js";
import { sessionRoutes } from "./session.routes.js";
import { webhookSettingsRoutes } from "./webhook-settings.routes.js";
import { webhookStatsRoutes } from "./webhook-stats.routes.js";
import { adminOverviewRoutes } from "./admin-overview.routes.js";
import { teamRoutes } from "./teams.routes.js";
import { webhookRoutes } from "./webhooks.routes.js";

export function routeGroups(services: Services): RouteGroup[] {
  return [
    { base: "/api/v0", routes: [...webhookRoutes(services), ...deliveryRoutes(services), ...repositoryRoutes(services), ...apiTokenRoutes(services), ...eventRoutes(services), ...sessionRoutes(services), ...webhookStatsRoutes(services), ...webhookSettingsRoutes(services), ...adminOverviewRoutes(services)] },
    { base: "/enzi/v0", routes: [...accountRoutes(services), ...teamRoutes(services)] },
  ];
}
