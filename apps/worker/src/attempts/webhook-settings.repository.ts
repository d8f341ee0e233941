// The payload format settings of the webhooks being delivered to, read at send time: one batched
// statement for the lookups that arrive together, and each answer kept a short while (SETTINGS_TTL_MS)
// so a busy webhook costs one lookup per interval, not one per attempt. A change made through
// PUT /webhooks/{id}/settings applies to attempts made from then on, within that interval.
import { Prisma } from "@msr-webhooks/db/client";
import { effectiveSettings, type EffectiveSettings } from "@msr-webhooks/delivery/formats/settings";
import { LRUCache } from "lru-cache";
import { Batcher } from "../shared/batcher.js";
import type { Sql } from "../shared/sql.js";

export const SETTINGS_TTL_MS = 2000;

interface SettingsRow {
  webhookId: string;
  format: string;
  mode: string | null;
  tagGlobs: string[] | null;
  repoEvents: string[] | null;
  minSeverity: string | null;
}

export interface WebhookSettingsSource {
  settingsFor(webhookId: string): Promise<EffectiveSettings>;
}

export class WebhookSettingsRepository implements WebhookSettingsSource {
  private readonly cache: LRUCache<string, EffectiveSettings>;
  private readonly lookups: Batcher<string, EffectiveSettings>;

  constructor(
    private readonly sql: Sql,
    options: { capacity?: number; ttlMs?: number; lingerMs?: number } = {},
  ) {
    this.cache = new LRUCache({ max: options.capacity ?? 10_000, ttl: options.ttlMs ?? SETTINGS_TTL_MS });
    this.lookups = new Batcher((ids) => this.load(ids), { maxBatch: 500, maxInFlight: 2, lingerMs: options.lingerMs ?? 0 });
  }

  async settingsFor(webhookId: string): Promise<EffectiveSettings> {
    const cached = this.cache.get(webhookId);
    if (cached !== undefined) return cached;
    const settings = await this.lookups.submit(webhookId);
    this.cache.set(webhookId, settings);
    return settings;
  }

  private async load(ids: string[]): Promise<EffectiveSettings[]> {
    const rows = await this.sql.query<SettingsRow>(
      Prisma.sql`
      SELECT s."webhookId", s.format, s.mode, s."tagGlobs", s."repoEvents", s."minSeverity"
        FROM "WebhookSettings" AS s
       WHERE s."webhookId" = ANY(${[...new Set(ids)]}::text[])`,
      "worker-webhook-settings",
    );
    const byId = new Map(rows.map((r) => [r.webhookId, r]));
    return ids.map((id) => effectiveSettings(byId.get(id) ?? null));
  }
}
