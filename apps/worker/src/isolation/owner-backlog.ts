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
// waiter (parking.ts promotes a job again shortly if it was not delayed yet when woken).
//
// Bounds: one lookup per thread at a time, FIND_MAX rows each; each owner's lookups walk forward
// (a cursor: the last row found) to the end and then start over, so a row is found once per walk
// even when it cannot be woken (a first attempt deferred by its endpoint looks the same in the
// table, and is passed over while its endpoint refuses); a lookup that finds nothing waits
// QUIET_MIN_MS before the owner's next, doubling to QUIET_MAX_MS, until the owner parks past the
// bound again. The record, the cursor and the quiet last until the owner's last past-bound park
// has come back, for at most 10,000 owners per thread. Retries parked past the bound are not
// looked for (a retry's row looks the same as one waiting out its backoff): they keep their turn
// by the pace.
import { Prisma } from "@msr-webhooks/db/client";
import type { Logger } from "winston";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { LruCache } from "../shared/lru-cache.js";
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

/** A lookup that found nothing: the owner's next waits this long, doubling up to QUIET_MAX_MS. */
const QUIET_MIN_MS = 1000;
const QUIET_MAX_MS = 5000;
/** Owners whose lookup state is kept, at most (least recently used first out), as for their past-bound record. */
const WALKED_OWNERS = 10_000;
const NIL_UUID = "00000000-0000-0000-0000-000000000000";

interface Walk {
  /** The last row found: (its park's end, its id); the next lookup starts after it. */
  at: number;
  id: string;
  /** The past-bound end the walk last saw: a later one means the owner parked again. */
  end: number;
  quietUntil: number;
  quietMs: number;
}

export class OwnerBacklog {
  /** A lookup under way on this thread: the next waits for a later release or tick. */
  private busy = false;
  private readonly walks = new LruCache<string, Walk>(WALKED_OWNERS);

  constructor(
    private readonly sql: Sql,
    private readonly owners: OwnerSlots,
    private readonly parking: Parking,
    private readonly refusing: (endpoint: string) => boolean,
    private readonly log: Logger,
  ) {}

  /** Looks for `owner`'s backlog past the bound if it is due to be (fire and forget). */
  find(owner: string, now = Date.now()): void {
    if (this.busy) return;
    const end = this.owners.backlogToFind(owner, now);
    if (end === undefined) return;
    let walk = this.walks.get(owner);
    if (walk === undefined || walk.at >= end) walk = { at: 0, id: NIL_UUID, end, quietUntil: 0, quietMs: 0 };
    if (end > walk.end) Object.assign(walk, { end, quietUntil: 0, quietMs: 0 });
    this.walks.set(owner, walk);
    if (now < walk.quietUntil) return;
    this.busy = true;
    this.findNow(owner, walk, now)
      .catch((err: unknown) => {
        // Nothing lost: the next release or refill tick looks again, and each comes back on its own at its turn anyway.
        if (this.log.isDebugEnabled()) this.log.debug("cannot look up an owner's parked attempts", { owner, error: errorMessage(err) });
      })
      .finally(() => {
        this.busy = false;
      });
  }

  /** find() for the owners whose backlog is due to be looked for (the refill tick), one lookup at a time. */
  findAll(): void {
    for (const { owner } of this.owners.backlogsToFind()) {
      this.find(owner);
      if (this.busy) return;
    }
  }

  private async findNow(owner: string, walk: Walk, now: number): Promise<void> {
    const limit = Math.min(FIND_MAX, this.parking.settings.maxWaiters);
    const found = await this.parked(owner, walk, this.owners.inTransit(owner), limit);
    if (found.length === 0) {
      const quietMs = Math.min(QUIET_MAX_MS, Math.max(QUIET_MIN_MS, walk.quietMs * 2));
      Object.assign(walk, { at: 0, id: NIL_UUID, quietMs, quietUntil: now + quietMs });
      return;
    }
    // The walk moves past what was taken; rows that did not fit (waiters parked meanwhile) are found
    // again. One that found fewer than it asked for reached the end: the next walk starts over, so a
    // park committed after a later one (its end before the walk's place) is found then.
    const last = found[this.owners.adopt(owner, found) - 1];
    if (found.length < limit) Object.assign(walk, { at: 0, id: NIL_UUID, quietMs: 0, quietUntil: 0 });
    else if (last !== undefined) Object.assign(walk, { at: last.until, id: last.id, quietMs: 0, quietUntil: 0 });
    for (const next of this.owners.refillOwner(owner, this.refusing)) this.parking.wake(next.id, next.until);
  }

  /** `owner`'s first attempts parked until after now, after the walk's last row and no later than its end, in the order they come back. */
  private async parked(owner: string, walk: Walk, exclude: string[], limit: number): Promise<ParkedAttempt[]> {
    const after = new Date(walk.at).toISOString();
    const rows = await this.sql.query<{ id: string; until: Date; endpoint: string }>(Prisma.sql`
      SELECT q.id::text AS id, q."nextAttemptAt" AS until, w.endpoint
        FROM "DeliveryDue" AS q
        JOIN "Delivery" AS d ON d.id = q.id AND d."createdAt" = q."createdAt"
        JOIN "Webhook" AS w ON w.id = d."webhookId"
       WHERE q.status = 'pending' AND q."nextAttemptAt" > now() AND q."nextAttemptAt" <= ${new Date(walk.end).toISOString()}::timestamptz
         AND (q."nextAttemptAt", q.id) > (${after}::timestamptz, ${walk.id}::uuid)
         AND w."authorId" = ${owner}::uuid AND q.id <> ALL(${exclude}::uuid[])
         -- A leased first attempt (attempts/inline-attempts.ts) is under way, not parked.
         AND d."leasedUntil" IS NULL
       ORDER BY q."nextAttemptAt", q.id
       LIMIT ${limit}`);
    return rows.map((r) => ({ id: r.id, until: r.until.getTime(), endpoint: r.endpoint }));
  }
}
