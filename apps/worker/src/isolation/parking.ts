// Parking: a delivery refused because a slot it needs is taken (its owner's share of the thread,
// its endpoint's in-flight cap) costs nothing until a slot frees. Its job is put off in BullMQ's
// delayed set until the park's end, its row's nextAttemptAt says the same, and it is remembered as
// a waiter (owner-slots.ts in memory, the gate's waiters in Redis). A freed slot wakes one waiter:
// its row is made due now, then its job promoted. Nothing is lost when a wake-up is (a worker dies,
// the waiters are full, Redis is away): the job comes back on its own at the park's end: after
// the attempt's timeout plus 5 s, or, deeper in a backlog, when its turn could come at the
// earliest; twice as long each time it comes back unwoken; never later than PARKED_MAX_WAIT. A
// backlog nobody wakes costs a load per delivery per PARKED_MAX_WAIT, not one per second. Past
// PARKED_WAITERS_MAX nobody remembers it: it comes back at its turn by the measured pace, unless its
// owner's waiters here are all woken first and it is found in PostgreSQL (owner-backlog.ts).
//
// The park's end names the park: a wake-up makes the row due only while its nextAttemptAt is still
// that end, so a stale waiter (its delivery attempted, finished or parked anew since) never pulls a
// retry forward.
import { setTimeout as sleep } from "node:timers/promises";
import { Job, type Queue } from "bullmq";
import { Prisma } from "@msr-webhooks/db/client";
import { DELIVERY_JOB_NAME } from "@msr-webhooks/queue/delivery-job";
import { deliveryJobId, type DeliveryJobData } from "@msr-webhooks/queue/names";
import type { Logger } from "winston";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { Batcher } from "../shared/batcher.js";
import { filterOnly } from "../shared/filter-only.js";
import type { Sql } from "../shared/sql.js";
import type { DeferralCounts } from "./deferral-counts.js";

export interface ParkingSettings {
  /** A parked job's first wait for a wake-up before it comes back on its own: the attempt's timeout plus a margin. */
  firstWaitMs: number;
  /** The longest wait, however often it came back unwoken. */
  maxWaitMs: number;
  /** Waiters remembered per owner (per thread) and per endpoint (in Redis); 0: nobody is parked. */
  maxWaiters: number;
}

/** The waiters a refused attempt would queue behind, and the slots they wait for. */
export interface ParkQueue {
  /** Parked ahead of it. */
  waiting: number;
  slots: number;
  /** How often one of those slots freed lately (ms), when measured. */
  releaseEveryMs?: number | undefined;
  /** When the last attempt parked past the waiters' bound comes back (epoch ms), when recorded. */
  lastPastBound?: number | undefined;
}

interface Wake {
  deliveryId: string;
  until: number;
}

/** Wake-ups gathered into one statement at most. */
const MAX_BATCH = 200;
/** A woken job that was not delayed is promoted again after these waits (ms). */
const PROMOTE_AGAIN_MS = [250, 1000];

/**
 * When a job refused now comes back on its own. `lastDelayMs` is the job's last delay in BullMQ
 * (0 once promoted): a job back from a park that nobody woke waits twice as long this time. And
 * no sooner than its turn could come: with `waiting` parked ahead of it for `slots` slots, one of
 * them frees every `releaseEveryMs` as measured lately, or at worst every firstWaitMs / slots (each
 * held for an attempt's timeout plus a margin); a deep backlog is not looked at again before it
 * could move.
 *
 * Past PARKED_WAITERS_MAX (`waiting` at the bound) the job is not remembered here: unless its
 * owner's backlog is looked up (owner-backlog.ts), it comes back at its turn alone. Its turn is
 * what the measured pace says: a burst from one owner to fast endpoints drains in seconds, and
 * must not wait PARKED_MAX_WAIT with every slot free.
 * Each one past the bound comes back one pace after the one before it (`lastPastBound`), so a
 * burst comes back in its order, not all at once; without that record, spread over half a turn.
 */
export function parkUntil(settings: ParkingSettings, lastDelayMs: number, queue: ParkQueue, now: number, random: () => number): Date {
  const { firstWaitMs, maxWaitMs } = settings;
  const worstEveryMs = firstWaitMs / Math.max(1, queue.slots);
  const everyMs = Math.min(queue.releaseEveryMs ?? worstEveryMs, worstEveryMs);
  const turn = Math.ceil((queue.waiting + 1) * everyMs);
  if (queue.waiting >= settings.maxWaiters) {
    const at = queue.lastPastBound !== undefined ? Math.max(now + turn, queue.lastPastBound + everyMs) : now + turn * (1 + random() / 2);
    return new Date(Math.min(now + maxWaitMs, Math.ceil(at)));
  }
  const doubled = lastDelayMs >= firstWaitMs ? lastDelayMs * 2 : firstWaitMs;
  return new Date(now + Math.min(maxWaitMs, Math.max(doubled, turn)));
}

export class Parking {
  private readonly wakes: Batcher<Wake, boolean>;

  constructor(
    readonly settings: ParkingSettings,
    private readonly sql: Sql,
    private readonly queue: Queue<DeliveryJobData>,
    private readonly log: Logger,
    private readonly counts?: DeferralCounts,
  ) {
    this.wakes = new Batcher((ws) => this.makeDue(ws), { maxBatch: MAX_BATCH, maxInFlight: 1 });
  }

  /** When a job refused now comes back on its own: parkUntil() with this worker's settings. */
  until(lastDelayMs: number, queue: ParkQueue, now = Date.now(), random: () => number = Math.random): Date {
    return parkUntil(this.settings, lastDelayMs, queue, now, random);
  }

  /** Whether an attempt parked behind `queue` is remembered as a waiter (else it comes back alone, at its turn). */
  remembers(queue: ParkQueue): boolean {
    return queue.waiting < this.settings.maxWaiters;
  }

  /** Wakes a parked delivery (fire and forget): its row due now, its job promoted. */
  wake(deliveryId: string, until: number): void {
    this.wakeNow(deliveryId, until).catch((err: unknown) => {
      if (this.log.isDebugEnabled()) this.log.debug("cannot wake a parked delivery", { deliveryId, error: errorMessage(err) });
    });
  }

  private async wakeNow(deliveryId: string, until: number): Promise<void> {
    if (!(await this.wakes.submit({ deliveryId, until }))) return;
    const job = new Job(this.queue, DELIVERY_JOB_NAME, { deliveryId }, {}, deliveryJobId(deliveryId));
    // Not delayed: it came back on its own meanwhile (and runs anyway), or, found in the table by
    // owner-backlog.ts, it is not delayed yet (its row is parked a moment before its job is). Then
    // promote() throws, and is tried again shortly while the delivery is still a first attempt: a
    // pending delivery's delayed job is only ever a park, never a retry's backoff, so that can pull
    // nothing forward that should wait.
    for (const waitMs of [0, ...PROMOTE_AGAIN_MS]) {
      if (waitMs > 0) {
        await sleep(waitMs);
        if (!(await this.stillFirstAttempt(deliveryId))) return;
      }
      try {
        await job.promote();
        this.counts?.add("woken");
        return;
      } catch (err) {
        if (waitMs === PROMOTE_AGAIN_MS[PROMOTE_AGAIN_MS.length - 1]) throw err;
      }
    }
  }

  private async stillFirstAttempt(deliveryId: string): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>(Prisma.sql`
      SELECT d.id::text AS id FROM "Delivery" AS d WHERE d.id = ${deliveryId}::uuid AND d.status = 'pending' AND d."attemptCount" = 0`);
    return rows.length > 0;
  }

  /** Makes the rows still parked as named due now; true for each that was. */
  private async makeDue(wakes: Wake[]): Promise<boolean[]> {
    const ids = wakes.map((w) => w.deliveryId);
    const ats = wakes.map((w) => new Date(w.until).toISOString());
    const rows = await this.sql.query<{ id: string }>(Prisma.sql`
      UPDATE "Delivery" AS d SET "nextAttemptAt" = now(), "updatedAt" = now()
        FROM unnest(${ids}::uuid[], ${ats}::timestamptz[]) AS p(id, at)
       WHERE d.id = p.id AND d.id = ANY(${ids}::uuid[]) AND ${filterOnly(Prisma.sql`d.status IN ('pending', 'retrying')`)}
         AND d."nextAttemptAt" = p.at AND d."leasedUntil" IS NULL
      RETURNING d.id::text AS id`);
    const woken = new Set(rows.map((r) => r.id));
    return wakes.map((w) => woken.has(w.deliveryId));
  }
}
