// A webhook's health for whoever may manage it: attempts, success rate and p50/p95 duration over
// the last 24 hours, and where its circuit stands (from the failure streak the worker records).
import type { Principal } from "../identity/principal.js";
import { presentWebhook } from "../presenters/webhook.presenter.js";
import type { WebhookStatsView } from "../schemas/webhook-stats.schemas.js";
import type { WebhookStatsRepository } from "../repositories/webhook-stats.repository.js";
import type { WebhooksService } from "./webhooks.service.js";

const WINDOW_HOURS = 24;

export class WebhookStatsService {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly repository: WebhookStatsRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async stats(principal: Principal, webhookId: string): Promise<WebhookStatsView> {
    const webhook = await this.webhooks.requireManageable(principal, webhookId);
    const since = new Date(this.clock().getTime() - WINDOW_HOURS * 3_600_000);
    const a = await this.repository.attemptsSince(webhook.id, since);
    const round = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);
    return {
      webhook: presentWebhook(webhook),
      windowHours: WINDOW_HOURS,
      attempts: a.attempts,
      succeeded: a.succeeded,
      successRate: a.attempts === 0 ? null : a.succeeded / a.attempts,
      p50DurationMs: round(a.p50),
      p95DurationMs: round(a.p95),
      hourly: a.hourly.map((h) => ({ hour: h.hour.toISOString(), attempts: h.attempts, succeeded: h.succeeded })),
      circuit: webhook.inactive ? "disabled" : webhook.failingSince ? "failing" : "closed",
      failingSince: webhook.failingSince?.toISOString() ?? null,
      disabledReason: webhook.disabledReason,
      disabledAt: webhook.disabledAt?.toISOString() ?? null,
    };
  }
}
