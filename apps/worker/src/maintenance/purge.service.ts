// Retention of the delivery log (events, deliveries, attempts), which is partitioned by UTC day
// (./partitions.ts). Each run creates the partitions ahead, drops the partitions whose whole day is
// past the retention period, and deletes rows, in small batches, only where a partition could not
// go: the default partition, and an expired partition that still holds unfinished work. So rows
// live at least the retention period and at most one day more. Only finished work goes: a delivery
// still pending or retrying (an endpoint whose circuit stays open, a recovered old delivery), its
// attempts and its event stay until it ends, and an event not yet fanned out stays for the
// reconciler; deleting them would lose a delivery (an event's rows cascade to its deliveries).
import { Prisma } from "@msr-webhooks/db/client";
import type { Logger } from "winston";
import type { Sql } from "../shared/sql.js";
import { dayStart, Partitions } from "./partitions.js";

export interface PurgeResult {
  attempts: number;
  deliveries: number;
  events: number;
}

const BATCH = 5000;

/** Delivery statuses that end a delivery (the rest: pending, retrying). */
const FINISHED = Prisma.sql`('succeeded', 'failed', 'skipped')`;

export class Purger {
  private readonly partitions: Partitions;

  constructor(
    private readonly sql: Sql,
    private readonly retentionMs: number,
    private readonly log: Logger,
  ) {
    this.partitions = new Partitions(sql, log);
  }

  async run(now: Date = new Date()): Promise<PurgeResult> {
    await this.partitions.ensure(now);
    // Whole days only: a partition goes when all of its day is past retention.
    const cutoff = dayStart(new Date(now.getTime() - this.retentionMs));
    const dropped = await this.partitions.dropExpired(cutoff);
    const rows = await this.deleteRows(cutoff);
    await this.partitions.analyzeClosed(now);
    const result = {
      attempts: dropped.rows.DeliveryAttempt + rows.attempts,
      deliveries: dropped.rows.Delivery + rows.deliveries,
      events: dropped.rows.Event + rows.events,
    };
    if (result.attempts + result.deliveries + result.events > 0) {
      this.log.info("purged delivery log", { ...result, partitionsDropped: dropped.dropped.length, cutoff });
    }
    return result;
  }

  /**
   * The rows older than `cutoff` still stored after the partition drops. Each statement names the
   * partition key, so it reads only the partitions before the cutoff.
   */
  async deleteRows(cutoff: Date): Promise<PurgeResult> {
    // An attempt whose delivery is gone (dropped with an earlier partition) is finished too.
    const attempts = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "DeliveryAttempt" WHERE "startedAt" < ${cutoff}::timestamptz AND id IN (
        SELECT a.id FROM "DeliveryAttempt" AS a LEFT JOIN "Delivery" AS d ON d.id = a."deliveryId"
         WHERE a."startedAt" < ${cutoff}::timestamptz AND (d.id IS NULL OR d.status IN ${FINISHED}) LIMIT ${BATCH})`));
    const deliveries = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "Delivery" WHERE "createdAt" < ${cutoff}::timestamptz AND id IN (
        SELECT id FROM "Delivery" WHERE "createdAt" < ${cutoff}::timestamptz AND status IN ${FINISHED} LIMIT ${BATCH})`));
    const events = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "Event" WHERE "receivedAt" < ${cutoff}::timestamptz AND id IN (
        SELECT e.id FROM "Event" AS e
         WHERE e."receivedAt" < ${cutoff}::timestamptz AND e.status <> 'pending'
           AND NOT EXISTS (SELECT 1 FROM "Delivery" AS d WHERE d."eventId" = e.id) LIMIT ${BATCH})`));
    return { attempts, deliveries, events };
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
