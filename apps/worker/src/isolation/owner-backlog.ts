// An owner's backlog past PARKED_WAITERS_MAX, found again. Attempts refused at their owner's share
// once its waiters here are full are not remembered (owner-slots.ts bounds that memory): each is
// parked until its turn by the owner's measured pace, and comes back on its own then. A pace is an
// estimate: at the start of a burst nothing has been measured yet (the worst case, an attempt's
// timeout per slot, is assumed), and a loaded machine measures itself slow; a burst to fast
// endpoints could then sit parked for minutes with its owner's slots free.
//
// PostgreSQL has them all: first attempts still pending, with their park's end in the future. Once
// the owner's waiters here have all been woken and one of its slots is free (after the release that
// woke nobody, or at the next refill tick), the next of them in the order they come back are
// remembered here as waiters, at most FIND_MAX at a time, and woken for the free slots like any
// waiter. One statement per FIND_MAX attempts of a backlog, per thread; none while the owner has
// waiters left or no backlog past the bound. Retries parked past the bound are not looked for (a
// retry's row looks the same as one waiting out its backoff): they keep their turn by the pace.
import { Prisma } from "@msr-webhooks/db/client";
import type { Logger } from "winston";
import { errorMessage } from "@msr-webhooks/observability/logger";
import type { Sql } from "../shared/sql.js";
import type { OwnerSlots } from "./owner-slots.js";
import type { Parking } from "./parking.js";

/** Parked attempts looked up per statement, at most. */
export const FIND_MAX = 500;

export interface ParkedAttempt {
  id: string;
  until: number;
  endpoint: string;
}

export class OwnerBacklog {
  /** Owners being looked up now: one statement per owner at a time. */
  private readonly finding = new Set<string>();

  constructor(
    private readonly sql: Sql,
    private readonly owners: OwnerSlots,
    private readonly parking: Parking,
    private readonly refusing: (endpoint: string) => boolean,
    private readonly log: Logger,
  ) {}

  /** Looks for `owner`'s backlog past the bound if it is due to be (fire and forget). */
  find(owner: string): void {
    const end = this.owners.backlogToFind(owner);
    if (end === undefined || this.finding.has(owner)) return;
    this.finding.add(owner);
    this.findNow(owner, end)
      .catch((err: unknown) => {
        // Nothing lost: the next refill tick looks again, and each comes back on its own at its turn anyway.
        if (this.log.isDebugEnabled()) this.log.debug("cannot look up an owner's parked attempts", { owner, error: errorMessage(err) });
      })
      .finally(() => this.finding.delete(owner));
  }

  /** find() for every owner whose backlog is due to be looked for (the refill tick). */
  findAll(): void {
    for (const { owner } of this.owners.backlogsToFind()) this.find(owner);
  }

  private async findNow(owner: string, end: number): Promise<void> {
    const limit = Math.min(FIND_MAX, this.parking.settings.maxWaiters);
    const found = await this.parked(owner, end, this.owners.inTransit(owner), limit);
    this.owners.adopt(owner, found, end, found.length < limit);
    for (const next of this.owners.refillOwner(owner, this.refusing)) this.parking.wake(next.id, next.until);
  }

  /** `owner`'s first attempts parked until after now and no later than `end`, in the order they come back. */
  private async parked(owner: string, end: number, exclude: string[], limit: number): Promise<ParkedAttempt[]> {
    const rows = await this.sql.query<{ id: string; until: Date; endpoint: string }>(Prisma.sql`
      SELECT d.id::text AS id, d."nextAttemptAt" AS until, w.endpoint
        FROM "Delivery" AS d JOIN "Webhook" AS w ON w.id = d."webhookId"
       WHERE d.status = 'pending' AND d."nextAttemptAt" > now() AND d."nextAttemptAt" <= ${new Date(end).toISOString()}::timestamptz
         AND w."authorId" = ${owner}::uuid AND d.id <> ALL(${exclude}::uuid[])
       ORDER BY d."nextAttemptAt"
       LIMIT ${limit}`);
    return rows.map((r) => ({ id: r.id, until: r.until.getTime(), endpoint: r.endpoint }));
  }
}
