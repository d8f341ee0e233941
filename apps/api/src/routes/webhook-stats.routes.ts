// GET /api/v0/webhooks/{id}/stats: the console's health panel (whoever may manage the webhook).
import { route, type RouteSpec } from "../http/route-spec.js";
import { WebhookStatsSchema } from "../schemas/webhook-stats.schemas.js";
import { WebhookIdParams } from "../schemas/webhook.schemas.js";
import type { Services } from "../services/services.js";

export function webhookStatsRoutes(services: Services): RouteSpec[] {
  const { webhookStats } = services;
  return [
    route({
      method: "get",
      path: "/webhooks/{id}/stats",
      summary: "The webhook with its health over the last 24 hours: success rate, p50/p95 attempt duration per hour, circuit state, why it was disabled",
      tags: ["deliveries"],
      auth: "user",
      params: WebhookIdParams,
      responses: { 200: { description: "The webhook's health", schema: WebhookStatsSchema } },
      answers: 200,
      run: (who, { params }) => webhookStats.stats(who, params.id),
    }),
  ];
}
