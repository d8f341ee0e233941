// First attempts made straight from the fan-out, without a queue job (issue 18). A delivery's job
// costs Redis three round trips (its add, its fetch, its finish) before the request goes out; most
// first attempts succeed, so the fan-out that wrote the row makes the attempt itself, and only a
// retry, or an attempt the owner's share or the endpoint gate refuses, becomes a job.
//
// Nothing is kept only in memory. The fan-out writes the row with a lease (leasedUntil, and its
// nextAttemptAt at the same time): twice the attempt's timeout plus LEASE_MARGIN_MS. Until it runs out
// no reconciler queues a job for the row, no wake-up of a parked attempt makes it due (parking.ts,
// owner-backlog.ts) and a redeliver request leaves its next attempt at the lease end, so no second
// attempt runs beside this one. The attempt's record ends the lease. A worker that dies during the
// attempt leaves the lease to run out, and the reconciler queues the delivery then, as it does any
// due row without a job: at least once, later.
//
// Bounds: at most `max` attempts claimed or in flight here (INLINE_FIRST_ATTEMPTS). Each attempt
// takes a slot of its owner's share (owner-slots.ts) once its row is written and holds it until its
// endpoint has answered, so the share bounds an owner's inline attempts and its jobs together; the
// fan-out claims no more than the owner may hold has free, counting the claims not started yet: its
// share, or, while it is alone on the thread and none of its jobs waits for a slot, what it may
// borrow (OwnerSlots.inlineCap; its jobs borrow the same way). An owner
// at its share whose next slot frees within OWNER_HOLD_WAIT (owner-slots.ts: wouldHold) has its
// attempt claimed to wait for it here, in process, as a job refused by the share would wait: at
// most one more share's worth per owner. A job costs three Redis round trips, a batch of fetches
// and a load before its request goes out; at a steady load whose bursts fill the share now and
// then, those first attempts were the slowest one in a hundred (docs/benchmarks.md, the fifteenth
// run). One that gets no slot in time is handed to its job (made due now). Past every bound the
// delivery's job makes the attempt, as before.
import type { Logger } from "winston";
import { errorMessage } from "@msr-webhooks/observability/logger";
import type { Metrics } from "@msr-webhooks/observability/metrics";
import type { OwnerSlots } from "../isolation/owner-slots.js";
import type { LeasedAttempts } from "./delivery.processor.js";
import type { LeasedDelivery } from "./delivery.repository.js";

/**
 * A lease is twice the attempt's timeout plus this: the gate and the record around the request,
 * on a loaded machine (35 s with the default DELIVERY_TIMEOUT_MS).
 */
export const LEASE_MARGIN_MS = 5000;

export interface InlineAttemptsOptions {
  /** Attempts claimed or in flight here, at most (0: none is made here). */
  max: number;
  /** The attempt's timeout (DELIVERY_TIMEOUT_MS): the lease is twice this plus LEASE_MARGIN_MS. */
  attemptTimeoutMs: number;
  /** The thread's owner slots (absent: no per-owner share). */
  owners?: OwnerSlots;
  log: Logger;
  /** Prometheus: claimed attempts that got no slot of their owner's share in time (absent in some unit tests). */
  metrics?: Pick<Metrics, "firstAttempts">;
}

/** How a first attempt was claimed: with a slot of its owner's share, or to wait here for the next one. */
export type InlineClaim = "slot" | "wait";

export class InlineAttempts {
  /** Attempts in flight here, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private claimed = 0;
  /** Per owner, its claims not started yet, by kind (OwnerSlots.wouldHold counts the waiting ones as about to wait). */
  private readonly pending = new Map<string, Record<InlineClaim, number>>();
  /** Set by drain(): no attempt is claimed here any more. */
  private closed = false;

  constructor(
    private readonly attempts: LeasedAttempts,
    private readonly options: InlineAttemptsOptions,
  ) {}

  /** When the lease of a delivery written now ends. */
  leaseEnd(now = Date.now()): Date {
    return new Date(now + 2 * this.options.attemptTimeoutMs + LEASE_MARGIN_MS);
  }

  /**
   * Claims a first attempt of `owner`'s to make here: "slot" when a slot of its share is free for it
   * (counting the claims not started yet), "wait" to wait here for the owner's next slot, or
   * undefined (its job makes it) past the bounds. The slot itself is taken when the attempt starts,
   * after the row's write: the write is the database's time, the same for every owner, and held
   * through it the share filled with rows being written (a steady 880/s through one owner's 50
   * slots overflowed more as the write slowed with the tables). A claim must be started or given
   * back, with its kind.
   */
  claim(owner: string): InlineClaim | undefined {
    if (this.closed || this.claimed + this.inFlight.size >= this.options.max) return undefined;
    const { owners } = this.options;
    if (!owners) return this.took(owner, "slot");
    const pending = this.pending.get(owner) ?? { slot: 0, wait: 0 };
    // Within what the owner may hold now, borrowing included only while none of its jobs waits for a
    // slot (OwnerSlots.inlineCap): a burst fans out far faster than its attempts end.
    if (owners.inFlight(owner) + pending.slot < owners.inlineCap(owner)) return this.took(owner, "slot");
    if (pending.wait + owners.holding(owner) >= owners.cap || !owners.wouldHold(owner, pending.wait)) return undefined;
    return this.took(owner, "wait");
  }

  private took(owner: string, kind: InlineClaim): InlineClaim {
    this.claimed += 1;
    const pending = this.pending.get(owner) ?? { slot: 0, wait: 0 };
    pending[kind] += 1;
    this.pending.set(owner, pending);
    return kind;
  }

  /** A claim whose row was not written leased by this fan-out (its write failed, or the row was there already). */
  giveBack(owner: string, kind: InlineClaim): void {
    this.settle(owner, kind);
  }

  /** A claim no longer pending: started, or given back. */
  private settle(owner: string, kind: InlineClaim): void {
    this.claimed -= 1;
    const pending = this.pending.get(owner);
    if (pending === undefined) return;
    pending[kind] -= 1;
    if (pending.slot <= 0 && pending.wait <= 0) this.pending.delete(owner);
  }

  /** Makes the claimed attempt of the leased row `due`, as the fan-out's write returned it (fire and forget; drain() waits for it). */
  start(due: LeasedDelivery, owner: string, kind: InlineClaim): void {
    const deliveryId = due.id;
    this.settle(owner, kind);
    // Already made here (a second claim for the same row): one attempt at a time.
    if (this.inFlight.has(deliveryId)) return;
    const attempt = this.attempt(due, owner)
      .catch((err: unknown) => this.recover(deliveryId, err))
      .finally(() => this.inFlight.delete(deliveryId));
    this.inFlight.set(deliveryId, attempt);
  }

  private async attempt(due: LeasedDelivery, owner: string): Promise<void> {
    const { owners } = this.options;
    // A slot of the share, or, with the share full now, the owner's next one waited for here.
    if (owners && !(owners.inFlight(owner) < owners.inlineCap(owner) && owners.tryAcquire(owner)) && !(await owners.hold(owner))) {
      // No slot within the wait: its job makes the attempt, as it would have without the claim.
      this.options.metrics?.firstAttempts.inc({ route: "wait_expired" });
      await this.attempts.handToJob(due.id);
      return;
    }
    await this.attempts.attemptLeased(due, owners ? owner : undefined);
  }

  /**
   * Waits for the attempts in flight, at most `timeoutMs`; those still in flight then are handed to
   * their jobs (made due now), so the next worker makes them again as it would a job cut short by a
   * shutdown. False when there were such.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = (async (): Promise<true> => {
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
      return true;
    })();
    const done = await Promise.race([drained, expired]);
    clearTimeout(timer);
    if (done) return true;
    await Promise.all([...this.inFlight.keys()].map((id) => this.recover(id, new Error("the worker is shutting down"))));
    return false;
  }

  /** The attempt failed to run or to be recorded (the database or Redis): its job makes it now, or, failing that, the reconciler after the lease. */
  private async recover(deliveryId: string, err: unknown): Promise<void> {
    try {
      await this.attempts.handToJob(deliveryId);
      this.options.log.warn("first attempt without a job failed; handed to its job", { deliveryId, error: errorMessage(err) });
    } catch (handErr) {
      this.options.log.warn("first attempt without a job failed; the reconciler queues it once its lease has run out", {
        deliveryId,
        error: errorMessage(err),
        handOverError: errorMessage(handErr),
      });
    }
  }
}
