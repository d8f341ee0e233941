// Retention: attempts, deliveries and events older than the configured period are deleted, in
// small batches so no statement holds locks for long. Only finished work goes: a delivery still
// pending or retrying (an endpoint whose circuit stays open, a recovered old delivery), its
// attempts and its event stay until it ends, and an event not yet fanned out stays for the
// reconciler; deleting them would lose a delivery (an event's rows cascade to its deliveries).
import { Prisma } from "@msr-webhooks/db/client";
import type { Logger } from "winston";
import type { Sql } from "../shared/sql.js";

export interface PurgeResult {
  attempts: number;
  deliveries: number;
  events: number;
}

const BATCH = 5000;

/** Delivery statuses that end a delivery (the rest: pending, retrying). */
const FINISHED = Prisma.sql`('succeeded', 'failed', 'skipped')`;

export class Purger {
  constructor(
    private readonly sql: Sql,
    private readonly retentionMs: number,
    private readonly log: Logger,
  ) {}

  async run(now: Date = new Date()): Promise<PurgeResult> {
    const cutoff = new Date(now.getTime() - this.retentionMs);
    const attempts = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "DeliveryAttempt" WHERE id IN (
        SELECT a.id FROM "DeliveryAttempt" AS a JOIN "Delivery" AS d ON d.id = a."deliveryId"
         WHERE a."startedAt" < ${cutoff}::timestamptz AND d.status IN ${FINISHED} LIMIT ${BATCH})`));
    const deliveries = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "Delivery" WHERE id IN (
        SELECT id FROM "Delivery" WHERE "createdAt" < ${cutoff}::timestamptz AND status IN ${FINISHED} LIMIT ${BATCH})`));
    const events = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "Event" WHERE id IN (
        SELECT e.id FROM "Event" AS e
         WHERE e."receivedAt" < ${cutoff}::timestamptz AND e.status <> 'pending'
           AND NOT EXISTS (SELECT 1 FROM "Delivery" AS d WHERE d."eventId" = e.id) LIMIT ${BATCH})`));
    const result = { attempts, deliveries, events };
    if (attempts + deliveries + events > 0) this.log.info("purged delivery log", { ...result, cutoff });
    return result;
  }

  private async repeat(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await batch();
      total += n;
      if (n < BATCH) return total;
    }
  }
}
