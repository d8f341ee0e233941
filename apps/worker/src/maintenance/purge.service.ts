// Retention: attempts, deliveries and events older than the configured period are deleted, in
// small batches so no statement holds locks for long.
import { Prisma } from "@msr-webhooks/db/client";
import type { Logger } from "winston";
import type { Sql } from "../shared/sql.js";

export interface PurgeResult {
  attempts: number;
  deliveries: number;
  events: number;
}

const BATCH = 5000;

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
        SELECT id FROM "DeliveryAttempt" WHERE "startedAt" < ${cutoff}::timestamptz LIMIT ${BATCH})`));
    const deliveries = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "Delivery" WHERE id IN (
        SELECT id FROM "Delivery" WHERE "createdAt" < ${cutoff}::timestamptz LIMIT ${BATCH})`));
    const events = await this.repeat(() => this.sql.execute(Prisma.sql`
      DELETE FROM "Event" WHERE id IN (
        SELECT id FROM "Event" WHERE "receivedAt" < ${cutoff}::timestamptz LIMIT ${BATCH})`));
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
