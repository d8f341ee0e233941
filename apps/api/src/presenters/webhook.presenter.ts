// A Webhook row as MSR's webhook object: every documented field, times as Go prints them,
// and never the signing secrets.
import type { Webhook } from "@msr-webhooks/db/client";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import type { WebhookObject } from "../schemas/webhook.schemas.js";

export function presentWebhook(row: Webhook): WebhookObject {
  return {
    id: row.id,
    type: row.type,
    key: row.key,
    endpoint: row.endpoint,
    authorID: row.authorId,
    createdAt: formatGoTime(row.createdAt),
    lastSuccessfulAt: formatGoTime(row.lastSuccessfulAt),
    inactive: row.inactive,
    tlsCert: row.tlsCert,
    skipTLSVerification: row.skipTLSVerification,
  };
}
