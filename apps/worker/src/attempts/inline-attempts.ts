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
//
// Queued in process (INLINE_QUEUE_BYTES): at the limit a burst fans out far faster than its attempts
// end, and past the bounds above most of its first attempts took a job each (69% at fan-out 10 in
// the throughput bench), paying the job's add, fetch and finish in Redis and a load in PostgreSQL.
// Such an attempt is now written leased as well and queued here, per owner in write order
// (queued-first-attempts.ts), when its owner's slots free fast enough that its turn comes within
// the attempt's timeout (OwnerSlots.drainsWithin, at the owner's pace, counting the owner's attempts
// queued ahead of it) and the queue has room (in bytes). A queued attempt takes a slot only when its
// owner has one free that no other attempt of the owner is owed (OwnerSlots.queuedRoom): after its
// attempts waiting in process, its woken waiters and its jobs; so the owner's share binds it as it
// binds the others, and another owner's attempts never wait behind it. Owners take turns. One not
// started by its lease's end less the attempt's timeout and LEASE_MARGIN_MS (so the lease still
// covers the attempt) is handed to its job, as is every queued one when the worker stops. The fan-out does not wait: the
// burst's events are fanned out as before, and nothing is held only in memory (the rows are leased).
import type { Logger } from "winston";
import { errorMessage } from "@msr-webhooks/observability/logger";
import type { Metrics } from "@msr-webhooks/observability/metrics";
import type { OwnerSlots } from "../isolation/owner-slots.js";
import type { LeasedAttempts } from "./delivery.processor.js";
import type { LeasedDelivery } from "./delivery.repository.js";
import { bytesOf, QUEUED_ATTEMPT_OVERHEAD_BYTES, QueuedFirstAttempts, type QueuedAttempt } from "./queued-first-attempts.js";

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
  /** Bytes of first attempts queued here past the other bounds, at most (INLINE_QUEUE_BYTES; 0 or absent: none is queued; needs `owners`). */
  queueBytes?: number;
}

/**
 * How a first attempt was claimed: with a slot of its owner's share, to wait here for the owner's
 * next one, or to be queued here behind the owner's other attempts.
 */
export type InlineClaim = "slot" | "wait" | "queue";

/** How often queued attempts look for free slots besides when an attempt made here ends (slots freed by jobs). */
export const QUEUE_PUMP_MS = 25;

export class InlineAttempts {
  /** Attempts in flight here, by delivery id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private claimed = 0;
  /** Per owner, its claims not started yet, by kind (OwnerSlots.wouldHold counts the waiting ones as about to wait). */
  private readonly pending = new Map<string, Record<InlineClaim, number>>();
  /** Set by drain(): no attempt is claimed here any more. */
  private closed = false;
  private readonly queued = new QueuedFirstAttempts();
  /** Claims to queue not started yet. */
  private queueClaims = 0;
  private pumpTimer: NodeJS.Timeout | undefined;
  /** Set by closeQueue() (drain() calls it): nothing is queued or started from the queue any more. */
  private queueClosed = false;
  /** Queued attempts being handed to their jobs (not attempts: they do not count against `max`). */
  private readonly handing = new Map<string, Promise<void>>();

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
    if (this.closed) return undefined;
    return this.claimNow(owner) ?? (this.wouldQueue(owner) ? this.took(owner, "queue") : undefined);
  }

  /**
   * Whether a first attempt of `owner` (and `extra` more of its) past the other bounds would be queued
   * here: the queue has room for it, and at the owner's pace its turn comes within the attempt's
   * timeout, counting its attempts queued and claimed to be queued ahead of it.
   */
  wouldQueue(owner: string, extra = 0, now = Date.now()): boolean {
    const { owners, queueBytes = 0 } = this.options;
    if (this.queueClosed || owners === undefined || queueBytes <= 0) return false;
    // A claim's row is not read yet: each counts as the smallest row would; start() checks the row itself.
    if (this.queued.bytes + (this.queueClaims + extra + 1) * QUEUED_ATTEMPT_OVERHEAD_BYTES > queueBytes) return false;
    // Ahead of it: the owner's attempts queued or about to be, and those its free slots go to first (OwnerSlots.queuedRoom).
    const ahead = owners.owed(owner) + this.queued.countOf(owner) + (this.pending.get(owner)?.queue ?? 0) + extra;
    return owners.drainsWithin(owner, ahead + 1, this.options.attemptTimeoutMs, now);
  }

  /** A claim for an attempt made at once (a free slot, or the owner's next one waited for), within `max`. */
  private claimNow(owner: string): InlineClaim | undefined {
    if (this.claimed + this.inFlight.size >= this.options.max) return undefined;
    const { owners } = this.options;
    if (!owners) return this.took(owner, "slot");
    const pending = this.pendingOf(owner);
    // Within what the owner may hold now, borrowing included only while none of its jobs waits for a
    // slot (OwnerSlots.inlineCap): a burst fans out far faster than its attempts end.
    if (owners.inFlight(owner) + pending.slot < owners.inlineCap(owner)) return this.took(owner, "slot");
    if (pending.wait + owners.holding(owner) >= owners.cap || !owners.wouldHold(owner, pending.wait)) return undefined;
    return this.took(owner, "wait");
  }

  private took(owner: string, kind: InlineClaim): InlineClaim {
    if (kind === "queue") this.queueClaims += 1;
    else this.claimed += 1;
    const pending = this.pendingOf(owner);
    pending[kind] += 1;
    this.pending.set(owner, pending);
    return kind;
  }

  /** The owner's claims not started yet, by kind (none: all zero). */
  private pendingOf(owner: string): Record<InlineClaim, number> {
    return this.pending.get(owner) ?? { slot: 0, wait: 0, queue: 0 };
  }

  /** A claim whose row was not written leased by this fan-out (its write failed, or the row was there already). */
  giveBack(owner: string, kind: InlineClaim): void {
    this.settle(owner, kind);
  }

  /** A claim no longer pending: started, or given back. */
  private settle(owner: string, kind: InlineClaim): void {
    if (kind === "queue") this.queueClaims -= 1;
    else this.claimed -= 1;
    const pending = this.pending.get(owner);
    if (pending === undefined) return;
    pending[kind] -= 1;
    if (pending.slot <= 0 && pending.wait <= 0 && pending.queue <= 0) this.pending.delete(owner);
  }

  /**
   * Makes the claimed attempt of the leased row `due`, as the fan-out's write returned it (fire and
   * forget; drain() waits for it). `leaseEnd`: the lease the row was written with (leaseEnd() at the
   * claim); a queued attempt must start in time to end within it.
   */
  start(due: LeasedDelivery, owner: string, kind: InlineClaim, leaseEnd: Date = this.leaseEnd()): void {
    const deliveryId = due.id;
    this.settle(owner, kind);
    // Already made here (a second claim for the same row): one attempt at a time.
    if (this.inFlight.has(deliveryId)) return;
    if (kind === "queue") {
      if (this.queueClosed || this.queued.bytes + bytesOf(due) > (this.options.queueBytes ?? 0)) {
        // No room for this row after all (larger than a claim counts), or the worker is stopping: its job makes it.
        this.options.metrics?.firstAttempts.inc({ route: "wait_expired" });
        this.handOver(deliveryId);
        return;
      }
      // Started by then, the attempt (its timeout, and the margin for the gate and the record) ends within the lease.
      const startBy = leaseEnd.getTime() - this.options.attemptTimeoutMs - LEASE_MARGIN_MS;
      this.queued.push({ due, owner, startBy });
      this.pump();
      return;
    }
    this.launch(deliveryId, () => this.attempt(due, owner));
  }

  /** Runs `work` for the delivery as one of the attempts in flight here; a failure hands it to its job. */
  private launch(deliveryId: string, work: () => Promise<void>): void {
    const attempt = work()
      .catch((err: unknown) => this.recover(deliveryId, err))
      .finally(() => {
        this.inFlight.delete(deliveryId);
        this.pump();
      });
    this.inFlight.set(deliveryId, attempt);
  }

  /**
   * Starts queued attempts, owners in turn, each while its owner has a slot no other attempt of its
   * is owed and `max` has room; hands to its job every one whose time to start has passed.
   */
  private pump(now = Date.now()): void {
    const { owners } = this.options;
    if (this.queued.size === 0 || this.queueClosed || owners === undefined) return this.stopPump();
    for (const owner of this.queued.owners()) {
      let room = owners.queuedRoom(owner, now);
      let started = false;
      for (let next = this.queued.peek(owner); next !== undefined; next = this.queued.peek(owner)) {
        if (next.startBy <= now) {
          this.queued.shift(owner);
          this.expire(next);
          continue;
        }
        if (room <= 0 || this.claimed + this.inFlight.size >= this.options.max || !owners.tryAcquire(owner, undefined, now)) break;
        this.queued.shift(owner);
        room -= 1;
        started = true;
        this.launch(next.due.id, () => this.attempts.attemptLeased(next.due, owner));
      }
      if (started) this.queued.rotate(owner);
    }
    if (this.queued.size === 0) this.stopPump();
    else this.pumpTimer ??= setInterval(() => this.pump(), QUEUE_PUMP_MS).unref();
  }

  private stopPump(): void {
    clearInterval(this.pumpTimer);
    this.pumpTimer = undefined;
  }

  /** A queued attempt not started in time: its job makes it (counted as a wait that ran out). */
  private expire(item: QueuedAttempt): void {
    this.options.metrics?.firstAttempts.inc({ route: "wait_expired" });
    this.handOver(item.due.id);
  }

  /** Hands a queued attempt (never started here) to its job; failing that, the reconciler queues it once its lease has run out. */
  private handOver(deliveryId: string): void {
    const handing = this.attempts
      .handToJob(deliveryId)
      .catch((err: unknown) => {
        this.options.log.warn("queued first attempt not handed to its job; the reconciler queues it once its lease has run out", {
          deliveryId,
          error: errorMessage(err),
        });
      })
      .finally(() => this.handing.delete(deliveryId));
    this.handing.set(deliveryId, handing);
  }

  /**
   * Starts no queued attempt any more and hands every one still queued to its job (the worker is
   * stopping: the next worker, or this one's jobs, make them). New first attempts are no longer queued.
   */
  closeQueue(): void {
    this.queueClosed = true;
    this.stopPump();
    for (const item of this.queued.takeAll()) this.handOver(item.due.id);
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
    this.closeQueue();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = (async (): Promise<true> => {
      while (this.inFlight.size > 0 || this.handing.size > 0) await Promise.allSettled([...this.inFlight.values(), ...this.handing.values()]);
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
