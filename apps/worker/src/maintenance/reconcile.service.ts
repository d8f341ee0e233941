// PostgreSQL is the record of what must be delivered; this finds what BullMQ lost (a Redis flush,
// a crash between a commit and an enqueue) and schedules it again: events still waiting for
// fan-out, and open deliveries that are due but have no job.
import type { Queue } from "bullmq";
import { Prisma } from "@msr-webhooks/db/client";
import type { DeliveryJobData, FanoutJobData } from "@msr-webhooks/queue/names";
import type { Logger } from "winston";
import type { RetryPolicy } from "../config.js";
import { deliveryJob } from "../attempts/delivery-job.js";
import { fanoutJob } from "@msr-webhooks/queue/fanout-job";
import type { Sql } from "../shared/sql.js";
import { ensureJob } from "../shared/job-presence.js";

export interface ReconcilerDeps {
  sql: Sql;
  fanoutQueue: Queue<FanoutJobData>;
  deliveryQueue: Queue<DeliveryJobData>;
  retry: RetryPolicy;
  log: Logger;
  /** Only rows this much overdue are looked at, so work already on its way through the queues is left alone. */
  minAgeMs: number;
  batchSize?: number;
  maxPerRun?: number;
}

export interface ReconcileResult {
  eventsRequeued: number;
  deliveriesRequeued: number;
}

interface Row {
  id: string;
  at: Date;
}

export class Reconciler {
  private readonly batchSize: number;
  private readonly maxPerRun: number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.batchSize = deps.batchSize ?? 500;
    this.maxPerRun = deps.maxPerRun ?? 20_000;
  }

  async run(now: Date = new Date()): Promise<ReconcileResult> {
    const cutoff = new Date(now.getTime() - this.deps.minAgeMs);
    const eventsRequeued = await this.sweep(
      (after) => this.pendingEvents(cutoff, after),
      async (id) => (await ensureJob(this.deps.fanoutQueue, fanoutJob(id))) === "added",
    );
    const deliveriesRequeued = await this.sweep(
      (after) => this.dueDeliveries(cutoff, after),
      async (id) => (await ensureJob(this.deps.deliveryQueue, deliveryJob(id, this.deps.retry))) === "added",
    );
    if (eventsRequeued > 0 || deliveriesRequeued > 0) {
      this.deps.log.warn("reconciler re-queued lost work", { eventsRequeued, deliveriesRequeued });
    }
    return { eventsRequeued, deliveriesRequeued };
  }

  // Keyset paging, so a large backlog of rows that do have jobs cannot hide the ones that do not.
  private async sweep(page: (after: Row | null) => Promise<Row[]>, ensure: (id: string) => Promise<boolean>): Promise<number> {
    let requeued = 0;
    let seen = 0;
    let after: Row | null = null;
    while (seen < this.maxPerRun) {
      const rows = await page(after);
      const added = await Promise.all(rows.map((r) => ensure(r.id)));
      requeued += added.filter(Boolean).length;
      seen += rows.length;
      if (rows.length < this.batchSize) break;
      after = rows[rows.length - 1] ?? null;
    }
    return requeued;
  }

  private pendingEvents(cutoff: Date, after: Row | null): Promise<Row[]> {
    const afterAt = after?.at ?? new Date(0);
    const afterId = after?.id ?? "00000000-0000-0000-0000-000000000000";
    return this.deps.sql.query<Row>(Prisma.sql`
      SELECT id::text AS id, "receivedAt" AS at FROM "Event"
       WHERE status = 'pending' AND "receivedAt" <= ${cutoff}::timestamptz
         AND ("receivedAt", id) > (${afterAt}::timestamptz, ${afterId}::uuid)
       ORDER BY "receivedAt", id LIMIT ${this.batchSize}`);
  }

  /** Open deliveries due by `cutoff`, from the due rows (migration 20261206060000_delivery_due). */
  private dueDeliveries(cutoff: Date, after: Row | null): Promise<Row[]> {
    const afterAt = after?.at ?? new Date(0);
    const afterId = after?.id ?? "00000000-0000-0000-0000-000000000000";
    return this.deps.sql.query<Row>(Prisma.sql`
      SELECT id::text AS id, "nextAttemptAt" AS at FROM "DeliveryDue"
       WHERE "nextAttemptAt" <= ${cutoff}::timestamptz
         AND ("nextAttemptAt", id) > (${afterAt}::timestamptz, ${afterId}::uuid)
       ORDER BY "nextAttemptAt", id LIMIT ${this.batchSize}`);
  }
}
