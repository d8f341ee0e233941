// SQL of delivery attempts, in batches: load due deliveries (with their webhook and event, in one
// statement), explain a refused load, and write attempts, deliveries and webhook health at once.
import { Prisma } from "@msr-webhooks/db/client";
import { pgJson, pgText } from "@msr-webhooks/db/db-text";
import { filterOnly } from "../shared/filter-only.js";
import { firstOfEach } from "../shared/first-of-each.js";
import type { Sql } from "../shared/sql.js";
import { aggregateHealth, type HealthSignal } from "./webhook-health.js";
import { OPEN_DELIVERY_STATUSES, isFinishedDeliveryStatus, type AttemptedDeliveryStatus, type DeliveryStatus } from "@msr-webhooks/events/statuses";

/** A due delivery, with everything its attempt needs. */
export interface DueDelivery {
  id: string;
  /** The number of the attempt about to be made (1-based). */
  attemptNumber: number;
  webhookId: string;
  /** The webhook's author account: whose share of the worker's slots the attempt takes (owner-slots.ts). */
  authorId: string;
  eventId: string;
  /** When the delivery was made (fan-out). */
  createdAt: Date;
  endpoint: string;
  tlsCert: string;
  skipTLSVerification: boolean;
  signingSecret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  eventType: string;
  eventCreatedAt: Date;
  /** The envelope's createdAt as the producer gave it (Go's form); null on events stored before it was kept. */
  eventCreatedAtText: string | null;
  /** The contents' JSON text as the producer sent it, delivered unchanged. */
  contentsJson: string;
  location: string | null;
}

/** A first attempt the fan-out wrote leased, as its write returned it (attempts/inline-attempts.ts). */
export interface LeasedDelivery extends DueDelivery {
  /** Its webhook went inactive between the match and the write: its job ends it. */
  webhookInactive: boolean;
}

/** Why a delivery was not due. */
export interface DeliveryState {
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date | null;
  webhookInactive: boolean;
  disabledReason: string | null;
  /** The event's type (for metrics). */
  eventType: string;
}

export interface AttemptRecord {
  attemptId: string;
  deliveryId: string;
  /** The delivery row's createdAt, its partition key: the write touches that day's partition only. */
  deliveryCreatedAt: Date;
  webhookId: string;
  number: number;
  trigger: string;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseHeaders: Record<string, string>;
  responseBody: string;
  errorKind: string | null;
  errorMessage: string | null;
  /** The delivery after this attempt. */
  status: AttemptedDeliveryStatus;
  reason: string | null;
  nextAttemptAt: Date | null;
  /** What the attempt says about the endpoint. */
  health: HealthSignal;
  /** When the outcome was decided. */
  now: Date;
}

export interface WebhookAfterAttempt {
  id: string;
  inactive: boolean;
  /** The webhook was disabled by this very write. */
  disabledNow: boolean;
  disabledReason: string | null;
}

export interface AutoDisable {
  /** A webhook failing since before this is disabled. */
  cutoff: Date;
  reason: string;
}

/** A delivery ended without an attempt: skipped (never tried) or failed (tried before, now inactive). */
export type UnattemptedEnd = Extract<DeliveryStatus, "skipped" | "failed">;

const sqlList = (values: readonly string[]): Prisma.Sql => Prisma.raw(values.map((v) => `'${v}'`).join(", "));

/** The delivery `d` is still open: a filter on rows found by id (see filter-only.ts). */
const OPEN = filterOnly(Prisma.sql`d.status IN (${sqlList(OPEN_DELIVERY_STATUSES)})`);

export const isFinished = isFinishedDeliveryStatus;

/**
 * The "failing too long" half of the auto-disable rule (webhook-health.ts, autoDisableCause), over
 * `h` (the batch's health row for the webhook) and `w` (the webhook row before the update); the
 * "gone" half is `h.gone_reason IS NOT NULL` in recordMany.
 */
function autoDisableSql(cutoff: Date): Prisma.Sql {
  return Prisma.sql`(h.success_at IS NULL AND h.failure_at IS NOT NULL
      AND COALESCE(w."failingSince", h.failure_at) <= ${cutoff}::timestamptz)`;
}

/**
 * A DueDelivery's columns, from a delivery row `d`, its webhook `w` and its event `e`: the job's load
 * here, and the fan-out's write of leased rows (fanout.repository.ts), which hands them to the
 * first attempts it makes without a job.
 */
export const DUE_DELIVERY_COLUMNS = Prisma.sql`d.id::text AS id, d."attemptCount" + 1 AS "attemptNumber", d."webhookId" AS "webhookId",
       w."authorId"::text AS "authorId", d."eventId"::text AS "eventId", d."createdAt" AS "createdAt", w.endpoint, w."tlsCert" AS "tlsCert",
       w."skipTLSVerification" AS "skipTLSVerification", w."signingSecret" AS "signingSecret",
       w."previousSecret" AS "previousSecret", w."previousSecretUntil" AS "previousSecretUntil",
       e.type AS "eventType", e."createdAt" AS "eventCreatedAt",
       e."createdAtText" AS "eventCreatedAtText", e.contents::text AS "contentsJson", e.location`;

export class DeliveryRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * The open deliveries among `ids` that are due by `dueBy` and whose webhook is active, each with its
   * webhook and event (one statement for a whole batch of jobs).
   */
  loadDue(ids: readonly string[], dueBy: Date): Promise<DueDelivery[]> {
    return this.sql.query<DueDelivery>(
      Prisma.sql`
      SELECT ${DUE_DELIVERY_COLUMNS}
        FROM "Delivery" AS d
        JOIN "Webhook" AS w ON w.id = d."webhookId"
        JOIN "Event" AS e ON e.id = d."eventId"
       WHERE d.id = ANY(${ids}::uuid[])
         AND ${OPEN}
         AND NOT w.inactive
         AND ${filterOnly(Prisma.sql`(d."nextAttemptAt" IS NULL OR d."nextAttemptAt" <= ${dueBy}::timestamptz)`)}`,
      "worker-load-due",
    );
  }

  async state(deliveryId: string): Promise<DeliveryState | null> {
    const rows = await this.sql.query<DeliveryState>(Prisma.sql`
      SELECT d.status, d."attemptCount" AS "attemptCount", d."nextAttemptAt" AS "nextAttemptAt",
             w.inactive AS "webhookInactive", w."disabledReason" AS "disabledReason", e.type AS "eventType"
        FROM "Delivery" AS d JOIN "Webhook" AS w ON w.id = d."webhookId" JOIN "Event" AS e ON e.id = d."eventId"
       WHERE d.id = ${deliveryId}::uuid`);
    return rows[0] ?? null;
  }

  /** Ends a delivery that is still open without an attempt (its webhook went inactive). */
  async finishWithoutAttempt(deliveryId: string, status: UnattemptedEnd, reason: string, now: Date): Promise<boolean> {
    const count = await this.sql.execute(Prisma.sql`
      UPDATE "Delivery" AS d SET status = ${status}, reason = ${pgText(reason)}, "nextAttemptAt" = NULL, "updatedAt" = ${now}::timestamptz
       WHERE d.id = ${deliveryId}::uuid AND ${OPEN}`);
    return count === 1;
  }

  /**
   * Moves open deliveries' next attempts (the endpoint said "not now"; or a leased first attempt
   * handed to its job, which ends the lease): no attempt is spent. Many in one statement, as the endpoint gate defers in bursts (DeliveryStore.postpone batches into this).
   */
  async postponeMany(items: readonly { deliveryId: string; retryAt: Date }[], now: Date): Promise<void> {
    // Sorted, so concurrent batches lock delivery rows in the same order.
    const sorted = [...items].sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : a.deliveryId > b.deliveryId ? 1 : 0));
    const ids = sorted.map((i) => i.deliveryId);
    const ats = sorted.map((i) => i.retryAt.toISOString());
    await this.sql.execute(Prisma.sql`
      UPDATE "Delivery" AS d SET "nextAttemptAt" = p.at, "leasedUntil" = NULL, "updatedAt" = ${now}::timestamptz
        FROM unnest(${ids}::uuid[], ${ats}::timestamptz[]) AS p(id, at)
       WHERE d.id = p.id AND d.id = ANY(${ids}::uuid[]) AND ${OPEN}`);
  }

  /**
   * The attempt rows, each delivery's new state, and one health update per webhook: one statement
   * for a batch. Returns the webhooks that still exist, as they are after the update. One attempt
   * twice in a batch (the same delivery and number) is written once; two attempts of one delivery
   * (never made so by one worker: the next is loaded after the record) take a statement each, in
   * the order of their numbers, since one statement updates the delivery's row once.
   */
  async recordMany(records: readonly AttemptRecord[], autoDisable: AutoDisable, now: Date): Promise<WebhookAfterAttempt[]> {
    const attempts = firstOfEach(records, (r) => `${r.deliveryId}/${r.number}`).sort((a, b) => a.number - b.number);
    const first = firstOfEach(attempts, (r) => r.deliveryId);
    if (first.length === attempts.length) return this.recordEach(first, autoDisable, now);
    const firstSet = new Set(first);
    const webhooks = await this.recordEach(first, autoDisable, now);
    const later = await this.recordMany(
      attempts.filter((r) => !firstSet.has(r)),
      autoDisable,
      now,
    );
    // Each webhook as the last statement left it.
    return [...new Map([...webhooks, ...later].map((w) => [w.id, w])).values()];
  }

  /** recordMany's statement, for attempts of distinct deliveries. */
  private recordEach(records: readonly AttemptRecord[], autoDisable: AutoDisable, now: Date): Promise<WebhookAfterAttempt[]> {
    const rs = [...records].sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : a.deliveryId > b.deliveryId ? 1 : 0));
    if (rs.length === 0) return Promise.resolve([]);
    const health = aggregateHealth(rs.map((r) => ({ webhookId: r.webhookId, at: r.now, health: r.health })));
    const text = (s: string | null): string | null => (s === null ? null : pgText(s));
    // One JSON parameter per row set: PostgreSQL parses it in C, where pg would escape array literals in JS.
    const attempts = pgJson(
      rs.map((r) => ({
        id: r.attemptId,
        delivery_id: r.deliveryId,
        webhook_id: r.webhookId,
        number: r.number,
        trigger: r.trigger,
        started_at: r.startedAt,
        duration_ms: r.durationMs,
        status_code: r.statusCode,
        headers: r.responseHeaders,
        body: r.responseBody,
        error_kind: r.errorKind,
        error_message: text(r.errorMessage),
        next_at: r.nextAttemptAt,
        status: r.status,
        reason: text(r.reason),
      })),
    );
    // The id lists repeat what the JSON holds, as conditions the planner can see: row estimates of
    // jsonb_to_recordset are a flat 100, which against a fast-growing Delivery table led PostgreSQL to
    // hash-join over sequential scans of it (21 ms a batch in bench/) instead of primary-key lookups.
    const deliveryIds = rs.map((r) => r.deliveryId);
    // The rows' partition key as a range the planner prunes by: createdAt comes back from PostgreSQL
    // cut to the millisecond (a JavaScript Date), and a row may hold microseconds past it.
    const createdTimes = rs.map((r) => r.deliveryCreatedAt.getTime());
    const createdFrom = new Date(Math.min(...createdTimes));
    const createdBefore = new Date(Math.max(...createdTimes) + 1);
    const webhookIds = health.map((h) => h.webhookId);
    const webhooks = JSON.stringify(
      health.map((h) => ({ id: h.webhookId, success_at: h.successAt, failure_at: h.failureAt, gone_reason: h.goneReason })),
    );
    const expired = autoDisableSql(autoDisable.cutoff);
    return this.sql.query<WebhookAfterAttempt>(
      Prisma.sql`
      WITH a AS (
        SELECT * FROM jsonb_to_recordset(${attempts}::jsonb)
          AS a(id uuid, delivery_id uuid, webhook_id text, number int, trigger text, started_at timestamptz, duration_ms int,
               status_code int, headers jsonb, body text, error_kind text, error_message text, next_at timestamptz,
               status text, reason text)
      ), delivery AS (
        -- The delivery's update decides whether its attempt is new: an attempt numbered at or below the
        -- row's count was recorded already (a batch retried after a lost reply, two workers racing on one
        -- delivery), so neither the row nor the log changes again. The row lock serializes the two: the
        -- second waits for the first to commit, then finds the count moved and updates nothing. That is
        -- what keeps (deliveryId, number) unique across the partitions (migration 20261207220000). A
        -- delivery deleted with its webhook during the attempt is not found, and nothing is recorded.
        -- The createdAt range names the rows' partitions: an id is looked up in one day's, not in all.
        UPDATE "Delivery" AS d
           SET status = a.status, reason = a.reason, "nextAttemptAt" = a.next_at, "leasedUntil" = NULL,
               "attemptCount" = a.number, "updatedAt" = ${now}::timestamptz
          FROM a
         WHERE d.id = a.delivery_id AND d."attemptCount" < a.number AND d.id = ANY(${deliveryIds}::uuid[])
           AND d."createdAt" >= ${createdFrom}::timestamptz AND d."createdAt" < ${createdBefore}::timestamptz
        RETURNING d.id, d."attemptCount" AS number
      ), attempt AS (
        INSERT INTO "DeliveryAttempt" (id, "deliveryId", "webhookId", number, trigger, "startedAt", "durationMs", "statusCode",
                                       "responseHeaders", "responseBody", "errorKind", "errorMessage", "nextAttemptAt")
        SELECT a.id, a.delivery_id, a.webhook_id, a.number, a.trigger, a.started_at, a.duration_ms, a.status_code,
               a.headers, a.body, a.error_kind, a.error_message, a.next_at
          FROM a JOIN delivery ON delivery.id = a.delivery_id AND delivery.number = a.number
      )
      UPDATE "Webhook" AS w
         SET "lastSuccessfulAt" = CASE WHEN h.success_at IS NULL THEN w."lastSuccessfulAt"
                                       ELSE GREATEST(COALESCE(w."lastSuccessfulAt", h.success_at), h.success_at) END,
             "failingSince" = CASE WHEN h.success_at IS NOT NULL THEN h.failure_at
                                   ELSE COALESCE(w."failingSince", h.failure_at) END,
             inactive = w.inactive OR h.gone_reason IS NOT NULL OR ${expired},
             "disabledReason" = CASE WHEN w.inactive THEN w."disabledReason"
                                     WHEN h.gone_reason IS NOT NULL THEN h.gone_reason
                                     WHEN ${expired} THEN ${autoDisable.reason}
                                     ELSE w."disabledReason" END,
             "disabledAt" = CASE WHEN w.inactive THEN w."disabledAt"
                                 WHEN h.gone_reason IS NOT NULL OR ${expired} THEN ${now}::timestamptz
                                 ELSE w."disabledAt" END
        FROM jsonb_to_recordset(${webhooks}::jsonb) AS h(id text, success_at timestamptz, failure_at timestamptz, gone_reason text)
       WHERE w.id = h.id AND w.id = ANY(${webhookIds}::text[])
      RETURNING w.id, w.inactive, w."disabledReason" AS "disabledReason",
                (w.inactive AND w."disabledAt" IS NOT DISTINCT FROM ${now}::timestamptz) AS "disabledNow"`,
      "worker-record",
    );
  }
}
