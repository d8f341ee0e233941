// The settings of a webhook (payload format and filters, issue 20): read and replaced by whoever
// may update the webhook, stored beside it (never in the MSR webhook object, which keeps its ten
// fields). No row means the defaults: the MSR envelope, unfiltered.
import type { PrismaClient, Webhook } from "@msr-webhooks/db/client";
import {
  effectiveSettings,
  settingsProblem,
  settingsView,
  type EffectiveSettings,
  type WebhookSettings,
} from "@msr-webhooks/delivery/formats/settings";
import { isSubscriptionType } from "@msr-webhooks/events/types";
import type { Logger } from "winston";
import { invalidParameter, noSuchWebhook } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { WebhooksService } from "./webhooks.service.js";

export class WebhookSettingsService {
  constructor(
    private readonly db: PrismaClient,
    private readonly webhooks: WebhooksService,
    private readonly log: Logger,
  ) {}

  async get(principal: Principal, id: string): Promise<WebhookSettings> {
    const row = await this.webhooks.requireManageable(principal, id);
    return settingsView(await this.load(row.id));
  }

  /** Replaces the settings as a whole: what the body leaves out is back to its default. */
  async put(principal: Principal, id: string, input: WebhookSettings): Promise<WebhookSettings> {
    const row = await this.webhooks.requireManageable(principal, id);
    // Stored webhooks have one of the subscription types (checked at create).
    const problem = isSubscriptionType(row.type) ? settingsProblem(row.type, input) : null;
    if (problem) throw invalidParameter(problem.field, problem.message);
    const filters = input.filters ?? {};
    const data = {
      format: input.format,
      mode: input.format === "cloudevents" ? (input.mode ?? "structured") : null,
      tagGlobs: filters.tags ?? [],
      repoEvents: filters.repoEvents ?? [],
      minSeverity: filters.minSeverity ?? null,
      updatedAt: new Date(),
    };
    // A webhook deleted meanwhile takes the row with it (cascade), or fails the insert: 404 either way.
    try {
      await this.db.webhookSettings.upsert({ where: { webhookId: row.id }, create: { webhookId: row.id, ...data }, update: data });
    } catch (err) {
      if ((err as { code?: string }).code === "P2003") throw noSuchWebhook();
      throw err;
    }
    this.log.info("webhook settings changed", { webhookId: row.id, user: principal.name, format: data.format, tagGlobs: data.tagGlobs.length });
    return settingsView(effectiveSettings(data));
  }

  /** The webhook (if the caller may manage it) with its settings, for a test send. */
  async forTest(principal: Principal, id: string): Promise<{ webhook: Webhook; settings: EffectiveSettings }> {
    const webhook = await this.webhooks.requireManageable(principal, id);
    return { webhook, settings: await this.load(webhook.id) };
  }

  private async load(webhookId: string): Promise<EffectiveSettings> {
    return effectiveSettings(await this.db.webhookSettings.findUnique({ where: { webhookId } }));
  }
}
