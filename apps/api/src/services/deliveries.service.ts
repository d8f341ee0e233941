// The delivery log and replay (delivery.md "Delivery log and replay"): list a webhook's deliveries
// with their attempts, show one, redeliver one, recover every failed one since a time. Visibility
// follows the webhook: whoever may delete it may read and replay its log; others get NO_SUCH_WEBHOOK.
//
// A redelivery follows the worker's contract: reopen the row (pending, due now), then queue a
// redeliver request, a job of a fresh generation, that has the delivery's canonical job run now and
// record its attempt as "manual". The worker allows the usual retries after it only while the
// delivery's attempt count is below the schedule's maximum, so a delivery that had used them all
// gets exactly one more attempt.
import type { DeliveryAttempt, Webhook } from "@msr-webhooks/db/client";
import { normalizeGoTime } from "@msr-webhooks/events/go-time";
import { redeliverRequestJob } from "@msr-webhooks/queue/delivery-job";
import type { DeliveryJobData } from "@msr-webhooks/queue/names";
import type { Queue } from "bullmq";
import type { Logger } from "winston";
import { ApiError, invalidParameter } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { DEFAULT_PAGE_SIZE, MAX_RECOVER, type DeliveryStatus } from "../schemas/delivery.schemas.js";
import type { DeliveriesRepository, DeliveryDetailRow, DeliveryRow } from "../repositories/deliveries.repository.js";
import { decodeCursor, encodeCursor } from "./delivery-cursor.js";
import type { RedeliveryLimiter } from "./redelivery-limit.js";
import type { WebhooksService } from "./webhooks.service.js";

export type DeliveryWithAttempts = DeliveryRow & { attempts: DeliveryAttempt[] };

export interface DeliveryPage {
  deliveries: DeliveryWithAttempts[];
  nextCursor: string | null;
}

export interface ListDeliveriesInput {
  status?: DeliveryStatus;
  eventType?: string;
  limit?: number;
  cursor?: string;
}

export interface DeliveriesServiceOptions {
  /** Most failed deliveries one recover call reopens (default MAX_RECOVER). */
  maxRecover?: number;
  /** Counts redeliveries per delivery (REDELIVERIES_PER_HOUR); none: unlimited. */
  redeliveries?: RedeliveryLimiter;
  clock?: () => Date;
}

export interface RecoverResult {
  count: number;
  capped: boolean;
  limit: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ADD_BULK_CHUNK = 1000;

export const noSuchDelivery = (): ApiError => new ApiError("NO_SUCH_DELIVERY", "delivery not found for this webhook");

function inactiveWebhook(row: Webhook): ApiError {
  const why = row.disabledReason ? ` (${row.disabledReason})` : "";
  return new ApiError(
    "INVALID_WEBHOOK",
    `the webhook is inactive${why}: nothing is delivered to it; re-enable it with POST /api/v0/webhooks/update {"id": ..., "inactive": false} first`,
    { field: "inactive" },
  );
}

export class DeliveriesService {
  private readonly maxRecover: number;
  private readonly clock: () => Date;
  private readonly redeliveries: RedeliveryLimiter | undefined;

  constructor(
    private readonly repository: DeliveriesRepository,
    private readonly webhooks: Pick<WebhooksService, "requireManageable">,
    private readonly deliveryQueue: Queue<DeliveryJobData>,
    private readonly log: Logger,
    options: DeliveriesServiceOptions = {},
  ) {
    this.maxRecover = options.maxRecover ?? MAX_RECOVER;
    this.clock = options.clock ?? (() => new Date());
    this.redeliveries = options.redeliveries;
  }

  /** Newest first; `nextCursor` continues with older deliveries. */
  async list(principal: Principal, webhookId: string, input: ListDeliveriesInput): Promise<DeliveryPage> {
    const webhook = await this.webhooks.requireManageable(principal, webhookId);
    const after = input.cursor === undefined ? null : decodeCursor(input.cursor);
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    // One row more than asked tells whether another page follows.
    const rows = await this.repository.page({ webhookId: webhook.id, status: input.status, eventType: input.eventType, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const attempts = await this.repository.attemptsOf(page.map((r) => r.id));
    const byDelivery = new Map<string, DeliveryAttempt[]>();
    for (const attempt of attempts) {
      const list = byDelivery.get(attempt.deliveryId) ?? [];
      list.push(attempt);
      byDelivery.set(attempt.deliveryId, list);
    }
    return {
      deliveries: page.map(({ position: _position, ...row }) => ({ ...row, attempts: byDelivery.get(row.id) ?? [] })),
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.position) : null,
    };
  }

  /** One delivery with its attempts and the event it carries. */
  async get(principal: Principal, webhookId: string, deliveryId: string): Promise<DeliveryDetailRow> {
    const webhook = await this.webhooks.requireManageable(principal, webhookId);
    if (!UUID.test(deliveryId)) throw noSuchDelivery();
    const row = await this.repository.one(webhook.id, deliveryId.toLowerCase());
    if (row === null) throw noSuchDelivery();
    return row;
  }

  /** Reopens the delivery and has the worker attempt it now; 429 past REDELIVERIES_PER_HOUR for this delivery. */
  async redeliver(principal: Principal, webhookId: string, deliveryId: string): Promise<{ id: string; status: string }> {
    const webhook = await this.webhooks.requireManageable(principal, webhookId);
    if (!UUID.test(deliveryId)) throw noSuchDelivery();
    if (webhook.inactive) throw inactiveWebhook(webhook);
    const id = deliveryId.toLowerCase();
    if (this.redeliveries) {
      // Only a delivery of this webhook is counted; over the limit nothing is reopened or queued.
      if (!(await this.repository.exists(webhook.id, id))) throw noSuchDelivery();
      await this.redeliveries.admit(id);
    }
    const now = this.clock();
    const reopened = await this.repository.reopen(webhook.id, id, now);
    if (reopened === null) throw noSuchDelivery();
    await this.enqueue([reopened.id], now);
    this.log.info("redelivery requested", { webhookId: webhook.id, deliveryId: reopened.id, user: principal.name });
    return reopened;
  }

  /** Redelivers the webhook's failed deliveries created since `since` (RFC 3339), oldest first, at most maxRecover per call. */
  async recover(principal: Principal, webhookId: string, since: string): Promise<RecoverResult> {
    const webhook = await this.webhooks.requireManageable(principal, webhookId);
    const now = this.clock();
    const from = parseSince(since, now);
    if (webhook.inactive) throw inactiveWebhook(webhook);
    const { ids, matched } = await this.repository.reopenFailed(webhook.id, from, now, this.maxRecover);
    await this.enqueue(ids, now);
    const capped = matched > this.maxRecover;
    this.log.info("failed deliveries recovered", { webhookId: webhook.id, since: from, count: ids.length, capped, user: principal.name });
    return { count: ids.length, capped, limit: this.maxRecover };
  }

  private async enqueue(deliveryIds: readonly string[], now: Date): Promise<void> {
    // The reopen time as the generation: each request gets a job id no earlier request still holds.
    const generation = now.getTime();
    for (let i = 0; i < deliveryIds.length; i += ADD_BULK_CHUNK) {
      await this.deliveryQueue.addBulk(deliveryIds.slice(i, i + ADD_BULK_CHUNK).map((id) => redeliverRequestJob(id, generation)));
    }
  }
}

/** `since` as UTC with at most microseconds (PostgreSQL's precision); INVALID_PARAMETERS when malformed or in the future. */
function parseSince(since: string, now: Date): string {
  let normalized: string;
  try {
    normalized = normalizeGoTime(since);
  } catch {
    throw invalidParameter("since", `since must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z, not "${since}"`);
  }
  const micro = normalized.replace(/(\.\d{1,6})\d*Z$/, "$1Z");
  if (Date.parse(micro) > now.getTime()) {
    throw invalidParameter("since", `since (${normalized}) is in the future`);
  }
  return micro;
}
