// SQL of the delivery log: one keyset page of a webhook's deliveries (newest first, on the index
// Delivery(webhookId, createdAt desc, id desc)), their attempts in one query, one delivery with its
// event, and reopening deliveries for a redelivery.
import { Prisma, type DeliveryAttempt, type Event, type PrismaClient } from "@msr-webhooks/db/client";

/** A delivery as the log shows it. */
export interface DeliveryRow {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  reason: string | null;
  attemptCount: number;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Where a page ends: createdAt to the microsecond (a Date holds only milliseconds) and the id. */
export interface PagePosition {
  /** UTC, six fraction digits, e.g. 2024-05-01T10:00:00.123456Z. */
  createdAt: string;
  id: string;
}

export type PagedDeliveryRow = DeliveryRow & { position: PagePosition };

/** One delivery with the event it carries and its attempts by number. */
export type DeliveryDetailRow = DeliveryRow & { event: Event; attempts: DeliveryAttempt[] };

export interface PageQuery {
  webhookId: string;
  status?: string;
  /** Only deliveries of events of this type. */
  eventType?: string;
  /** Rows strictly older than this position. */
  after: PagePosition | null;
  limit: number;
}

export interface ReopenedFailed {
  ids: string[];
  /** Failed deliveries that matched, up to cap + 1 (more than cap: the call was capped). */
  matched: number;
}

const MICROSECOND_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

export class DeliveriesRepository {
  constructor(private readonly db: PrismaClient) {}

  async page(q: PageQuery): Promise<PagedDeliveryRow[]> {
    const status = q.status === undefined ? Prisma.empty : Prisma.sql`AND d.status = ${q.status}`;
    // Walks the webhook's log newest first like the other filters (a page stops at its limit).
    const eventType = q.eventType === undefined ? Prisma.empty : Prisma.sql`AND e.type = ${q.eventType}`;
    // A row comparison in the index's order, so the scan starts right after the previous page.
    const after =
      q.after === null
        ? Prisma.empty
        : Prisma.sql`AND (d."createdAt", d.id) < (${q.after.createdAt}::timestamptz, ${q.after.id}::uuid)`;
    const rows = await this.db.$queryRaw<(DeliveryRow & { positionAt: string })[]>`
      SELECT d.id::text AS id, d."eventId"::text AS "eventId", e.type AS "eventType", d.status, d.reason,
             d."attemptCount" AS "attemptCount", d."nextAttemptAt" AS "nextAttemptAt",
             d."createdAt" AS "createdAt", d."updatedAt" AS "updatedAt",
             to_char(d."createdAt" AT TIME ZONE 'UTC', ${Prisma.raw(MICROSECOND_UTC)}) AS "positionAt"
        FROM "Delivery" AS d
        JOIN "Event" AS e ON e.id = d."eventId"
       WHERE d."webhookId" = ${q.webhookId} ${status} ${eventType} ${after}
       ORDER BY d."createdAt" DESC, d.id DESC
       LIMIT ${q.limit}`;
    return rows.map(({ positionAt, ...row }) => ({ ...row, position: { createdAt: positionAt, id: row.id } }));
  }

  /** The attempts of all `deliveryIds`, by delivery and number: one query for a whole page. */
  attemptsOf(deliveryIds: readonly string[]): Promise<DeliveryAttempt[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return this.db.deliveryAttempt.findMany({
      where: { deliveryId: { in: [...deliveryIds] } },
      orderBy: [{ deliveryId: "asc" }, { number: "asc" }],
    });
  }

  /** One delivery of the webhook, with its event and attempts; null when the webhook has no such delivery. */
  async one(webhookId: string, deliveryId: string): Promise<DeliveryDetailRow | null> {
    const row = await this.db.delivery.findFirst({
      where: { id: deliveryId, webhookId },
      include: { event: true, attempts: { orderBy: { number: "asc" } } },
    });
    if (row === null) return null;
    return {
      id: row.id,
      eventId: row.eventId,
      eventType: row.event.type,
      status: row.status,
      reason: row.reason,
      attemptCount: row.attemptCount,
      nextAttemptAt: row.nextAttemptAt,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
      event: row.event,
      attempts: row.attempts,
    };
  }

  /** Whether the webhook has this delivery. */
  async exists(webhookId: string, deliveryId: string): Promise<boolean> {
    return (await this.db.delivery.count({ where: { id: deliveryId, webhookId } })) > 0;
  }

  /**
   * Reopens one delivery of the webhook for an attempt now (what the worker's redeliver contract
   * asks: status pending, nextAttemptAt now). Null when the webhook has no such delivery. A first
   * attempt under way without a job (leased: the worker's inline-attempts.ts) keeps its next attempt
   * at its lease end, so the redeliver never runs a second attempt beside it.
   */
  async reopen(webhookId: string, deliveryId: string, now: Date): Promise<{ id: string; status: string } | null> {
    const rows = await this.db.$queryRaw<{ id: string; status: string }[]>`
      UPDATE "Delivery"
         SET status = 'pending', reason = NULL, "updatedAt" = ${now}::timestamptz,
             "nextAttemptAt" = CASE WHEN "leasedUntil" > ${now}::timestamptz THEN "nextAttemptAt" ELSE ${now}::timestamptz END
       WHERE id = ${deliveryId}::uuid AND "webhookId" = ${webhookId}
   RETURNING id::text AS id, status`;
    return rows[0] ?? null;
  }

  /**
   * Reopens the oldest `cap` failed deliveries of the webhook created at or after `since`, in one
   * statement (a delivery that stopped being failed meanwhile is left alone).
   */
  async reopenFailed(webhookId: string, since: string, now: Date, cap: number): Promise<ReopenedFailed> {
    const rows = await this.db.$queryRaw<{ matched: number; ids: string[] }[]>`
      WITH matched AS (
        SELECT id, "createdAt" FROM "Delivery"
         WHERE "webhookId" = ${webhookId} AND "createdAt" >= ${since}::timestamptz AND status = 'failed'
         ORDER BY "createdAt", id
         LIMIT ${cap + 1}
      ), picked AS (
        SELECT id FROM matched ORDER BY "createdAt", id LIMIT ${cap}
      ), reopened AS (
        UPDATE "Delivery" AS d
           SET status = 'pending', reason = NULL, "nextAttemptAt" = ${now}::timestamptz, "updatedAt" = ${now}::timestamptz
          FROM picked
         WHERE d.id = picked.id AND d.status = 'failed'
     RETURNING d.id
      )
      SELECT (SELECT count(*) FROM matched)::int AS matched,
             COALESCE((SELECT array_agg(id::text) FROM reopened), ARRAY[]::text[]) AS ids`;
    const row = rows[0];
    return { matched: row?.matched ?? 0, ids: row?.ids ?? [] };
  }
}
