// Parking on arrival: fan-out parks a new delivery at once when this thread already knows it would
// be refused (its owner holds its whole share of the thread's slots and its next slot is not due
// within a moment, see OwnerSlots.wouldHold, or its endpoint refused an attempt a moment ago at
// its in-flight cap), instead of queueing it as a first attempt only for the delivery worker to
// load it, refuse it and park it anyway. A hostile owner's deliveries then cost their fan-out and one
// park each, and never stand in the plain lane ahead of other owners' first attempts.
//
// The same park as a refused attempt's (parking.ts): the row is written with the park's end as its
// nextAttemptAt (fan-out's own INSERT, no statement of its own), its job is added delayed until
// then, then it is remembered as a waiter (at the endpoint, in
// Redis, when the gate confirms atomically that it would refuse it; else at the owner). A hint that
// turned out wrong costs one wake-up: the delivery is made due and promoted at once. Nothing is lost
// when a wake-up is: the job comes back on its own at the park's end.
import type { EndpointGate } from "../attempts/endpoint-gate.js";
import type { DeferralCounts } from "./deferral-counts.js";
import type { OwnerSlots } from "./owner-slots.js";
import type { Parking } from "./parking.js";
import type { RefusalHints } from "./refusal-hints.js";

export interface ArrivingDelivery {
  id: string;
  authorId: string;
  endpoint: string;
}

export interface ParkedArrival extends ArrivingDelivery {
  /** When its job comes back on its own if nobody wakes it. */
  until: Date;
  /** Where it waits: the endpoint's waiters (Redis) or its owner's (this thread). */
  at: "endpoint" | "owner";
  /** Its park's end is a waiter's (woken when a slot frees), not a turn of its own past the waiters' bound. */
  toRemember: boolean;
}

export interface ArrivalPlan {
  /** To queue as first attempts now. */
  now: ArrivingDelivery[];
  parked: ParkedArrival[];
}

export interface ArrivalParkingDeps {
  parking: Parking;
  owners: OwnerSlots;
  /** The thread's delivery slots: an owner whose cap is all of them is never refused a freed slot. */
  threadSlots: number;
  hints: RefusalHints;
  gate: EndpointGate;
  counts?: DeferralCounts;
}

export class ArrivalParking {
  constructor(private readonly deps: ArrivalParkingDeps) {}

  /**
   * Splits arriving deliveries into those to queue now and those to park (in arrival order). An
   * owner at its cap whose attempt (and `extra` more of its) `queueable` says would be queued in
   * process behind its others (InlineAttempts.wouldQueue) is not parked: it waits there instead.
   */
  plan(arrivals: readonly ArrivingDelivery[], now = Date.now(), queueable?: (owner: string, extra: number) => boolean): ArrivalPlan {
    const { parking, owners, hints } = this.deps;
    const plan: ArrivalPlan = { now: [], parked: [] };
    // Parked at their owner earlier in this batch: not waiters yet (remember() makes them so), but ahead of the next.
    const planned = new Map<string, number>();
    // Queued now at their owner's cap earlier in this batch, to wait in process for its next slot.
    const toHold = new Map<string, number>();
    // Queued now at their owner's cap earlier in this batch, to be queued in process behind its others.
    const toQueue = new Map<string, number>();
    for (const arrival of arrivals) {
      const endpointQueue = hints.queue(arrival.endpoint);
      const atCap = this.atOwnerCap(arrival.authorId, now);
      const holds = toHold.get(arrival.authorId) ?? 0;
      if (atCap && owners.wouldHold(arrival.authorId, holds, now) && !hints.busy(arrival.endpoint)) {
        toHold.set(arrival.authorId, holds + 1);
        plan.now.push(arrival);
      } else if (atCap && queueable !== undefined && !hints.busy(arrival.endpoint) && queueable(arrival.authorId, toQueue.get(arrival.authorId) ?? 0)) {
        toQueue.set(arrival.authorId, (toQueue.get(arrival.authorId) ?? 0) + 1);
        plan.now.push(arrival);
      } else if (atCap) {
        const ahead = planned.get(arrival.authorId) ?? 0;
        planned.set(arrival.authorId, ahead + 1);
        const ownerQueue = owners.queue(arrival.authorId);
        ownerQueue.waiting += ahead;
        // As at a refusal: no sooner than its turn at its owner, or at its endpoint when that is full too.
        const ownerUntil = parking.until(0, ownerQueue, now).getTime();
        const toRemember = parking.remembers(ownerQueue);
        const endpointUntil = endpointQueue && hints.refusing(arrival.endpoint) ? parking.until(0, endpointQueue, now).getTime() : 0;
        const until = Math.max(ownerUntil, endpointUntil);
        if (!toRemember) owners.parkedPastBound(arrival.authorId, ownerUntil, until);
        plan.parked.push({ ...arrival, until: new Date(until), at: "owner", toRemember });
      } else if (hints.busy(arrival.endpoint)) {
        // Only an endpoint at its in-flight cap: one whose circuit is open needs an attempt kept back
        // for its next probe, which the ordinary path chooses (parking.ts); so its arrivals are queued.
        plan.parked.push({ ...arrival, until: parking.until(0, endpointQueue ?? { waiting: 0, slots: 1 }, now), at: "endpoint", toRemember: true });
      } else {
        plan.now.push(arrival);
      }
    }
    return plan;
  }

  /**
   * Remembers parked arrivals as waiters, once their rows say the park's end and their jobs are
   * delayed until it; those that neither their endpoint nor their owner would refuse now are woken.
   */
  async remember(parked: readonly ParkedArrival[]): Promise<void> {
    const { parking, owners, gate, hints, counts } = this.deps;
    await Promise.all(
      parked.map(async (p) => {
        counts?.add("arrival");
        const until = p.until.getTime();
        const endpointRefuses = (p.at === "endpoint" || hints.refusing(p.endpoint)) && (await gate.park?.(p.endpoint, p.id, p.until, true)) === "parked";
        if (endpointRefuses) {
          // A refusal, confirmed by the gate: the endpoint stays known as refusing for the next arrivals.
          hints.refused(p.endpoint, hints.cause(p.endpoint) ?? "busy", hints.queue(p.endpoint));
          return;
        }
        if (this.atOwnerCap(p.authorId) && !owners.wouldHold(p.authorId)) {
          // Woken by the owner's next freed slot; with its owner's waiters full, it comes back on its own,
          // at its turn by the owner's pace. One parked to be remembered that found them full meanwhile
          // would wait out a waiter's park instead: it is looked at again now, and gets its turn.
          if (!owners.park(p.authorId, p.id, until, p.endpoint) && p.toRemember) parking.wake(p.id, until);
          return;
        }
        // Neither would refuse it now (the hint was stale, or the owner's slots freed meanwhile): at once.
        parking.wake(p.id, until);
      }),
    );
  }

  /**
   * Its owner holds its share, and a slot freed by someone else would refuse it. (An owner whose share
   * is the whole thread holds every slot then: the next one to free is its own, and takes the
   * delivery from the plain lane ahead of any retry.)
   */
  private atOwnerCap(owner: string, now = Date.now()): boolean {
    const { owners, threadSlots } = this.deps;
    return owners.cap < threadSlots && owners.atCap(owner, now);
  }
}
