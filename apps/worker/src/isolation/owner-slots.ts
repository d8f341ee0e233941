// Fair delivery between owners: how many of this worker thread's delivery slots each owner (a
// webhook's author account) holds now, in memory. An owner at its cap is refused, and the attempt is
// deferred without spending anything, so one owner's hanging endpoints can never take more than
// OWNER_MAX_SHARE of the slots while other owners use the thread (alone, it may borrow more, below,
// but never the last share's worth), and every other owner keeps the rest. Per thread (not cluster-wide):
// the slots being shared are this thread's BullMQ concurrency; a cluster-wide count would cost a
// Redis round trip per attempt and protect nothing more on any one worker.
//
// A refused attempt may be parked: remembered here (at most `maxWaiters` per owner, oldest first)
// and handed back by release() when one of its owner's slots frees, so it costs nothing until it
// can run. Only the owners at their cap have waiters for long, and at most 1 / share of them can be.
// release() passes over waiters whose endpoint would refuse them now (the caller says which): woken,
// they would only be parked again there.
//
// A waiter woken by a freed slot goes back to the shared queue, and another worker process may take
// it (and, at its own cap, park it there): the slot freed here then stays free while waiters wait
// here. So a woken waiter is "in transit" until it takes its slot here; one not back within
// TRANSIT_MS is taken to have gone elsewhere, and refill() (every second) wakes waiters for the
// slots free and not in transit. That also picks up waiters a release passed over (their endpoint
// was refusing then) and wake-ups that were lost.
//
// It also measures each busy owner's pace: how often one of its slots frees while it has waiters or
// holds its cap. A refused attempt that finds its owner's waiters full is not remembered, and comes
// back on its own at its turn by that pace (parking.ts): seconds for a burst to fast endpoints, not
// the worst case of an attempt's timeout per slot. A pace is an estimate (none yet at the start of
// a burst, a loaded machine's while it was loaded), so the owner's backlog past the bound is also
// recorded (the latest park's end): once its waiters here have all been woken, owner-backlog.ts
// finds the next of those parked attempts in PostgreSQL and remembers them here as waiters.
//
// A refused attempt whose owner's pace says its turn comes within `holdSettings.waitMs` is not parked: it
// waits here, in process (owner-holds.ts), and a release hands it the slot directly. A burst to fast
// endpoints or a brief hold-up then costs no park and no wake-up per attempt (each about as much
// as the delivery itself). Only an owner whose whole queue here drains within that wait holds more
// of the thread's slots than its share (each waiting attempt at most twice that wait); an owner
// whose slots free slowly (hanging endpoints: no slot freed since it filled its cap) or whose pace is not measured
// yet is parked as before, and so is the rest of a backlog longer than the wait. Attempts in
// flight and waiting here, all owners together, always leave one cap's worth of the thread's
// slots free, so another owner's job is still taken. A slot of the owner goes to the attempts
// waiting here in process first (oldest first), before any parked waiter and before any other
// attempt that asks: they are here already (no round trip through the queue, which another
// attempt could pass on the way) and each was let wait only because its turn comes within the
// wait. Parked waiters get the slots no attempt waits here for, oldest first; one that finds its
// slot taken on its way back waits here or is parked again in its place.
//
// An owner alone on the thread (capOf) whose slots free that fast may borrow past its cap: every
// slot of the thread but one cap's worth, which the next owner to come finds free. A strict share
// would leave a single-author registry three quarters of its worker idle, parking and waking the
// rest of its deliveries. Once another owner asks, the borrower is held to its cap again (its
// borrowed slots are freed for the others as they end, not handed to its own waiters); an owner
// that borrows and then hangs holds its borrowed slots until they time out, the bound documented
// for OWNER_MAX_SHARE.

import { LruCache } from "../shared/lru-cache.js";
import { OwnerHolds } from "./owner-holds.js";
import { OwnerPaces, PACED_OWNERS } from "./owner-paces.js";
import { RecentOwners } from "./recent-owners.js";
import type { ParkQueue } from "./parking.js";

/** The most slots one owner may hold: `share` of `slots`, rounded down, at least 1. */
export function ownerCap(share: number, slots: number): number {
  return Math.max(1, Math.floor(share * slots));
}

/** How long no other owner must have asked for a slot here before an owner alone may borrow past its cap. */
export const BORROW_QUIET_MS = 1000;

/** An owner none of whose slots freed for this long while it held some is not queued for (drainsWithin()). */
export const STALLED_MS = 1000;

/** How long a woken waiter may take to come back to its slot here before the slot counts as free again. */
export const TRANSIT_MS = 1000;

interface Waiter {
  until: number;
  endpoint: string;
}

/** Waiters release() looks at for one whose endpoint would take it, at most. */
const SCAN_LIMIT = 64;

export class OwnerSlots {
  private readonly held = new Map<string, number>();
  /** Per owner, the parked attempts (id: the park's end and endpoint) in the order they were parked; a re-parked one keeps its place. */
  private readonly waiters = new Map<string, Map<string, Waiter>>();

  private readonly paces: OwnerPaces;
  /**
   * Per owner with attempts parked past its waiters' bound: the latest turn given at its owner (the
   * next comes after it), and when the last of them comes back on its own (later, when its endpoint
   * was full too).
   */
  private readonly pastBound = new LruCache<string, { turn: number; end: number }>(PACED_OWNERS);
  /** Per owner, the waiters woken for a slot here and not back yet: id to when it was woken. */
  private readonly transit = new Map<string, Map<string, number>>();
  /** Attempts waiting in process for their owner's next slot. */
  private readonly holds = new OwnerHolds();
  private readonly recent = new RecentOwners();
  /** Slots held here, all owners together. */
  private totalHeld = 0;

  /**
   * `maxEveryMs`: the longest interval a pace counts (an attempt's timeout plus a margin, per slot);
   * longer ones are idle gaps. `holdSettings.waitMs`: the longest expected wait an attempt waits in process
   * for (0: none does); `holdSettings.threadSlots`: the thread's slots, which an owner's attempts in flight
   * and waiting in process never outnumber.
   */
  constructor(
    readonly cap: number,
    private readonly maxWaiters = 0,
    maxEveryMs = Number.POSITIVE_INFINITY,
    private readonly holdSettings: { waitMs: number; threadSlots: number } = { waitMs: 0, threadSlots: cap },
  ) {
    this.paces = new OwnerPaces(maxEveryMs);
  }

  /**
   * Takes a slot for `owner` unless it already holds its cap (capOf()) or an attempt of its waits
   * here in process (that one gets the free slot: nobody passes it); a taken slot must be released
   * once. The attempt `id`, if it was parked here and came back on its own, stops waiting.
   */
  tryAcquire(owner: string, id?: string, now = Date.now()): boolean {
    this.recent.asked(owner, now);
    const n = this.held.get(owner) ?? 0;
    if (n >= this.cap && n >= this.capOf(owner, now)) return false;
    if (this.holds.grantOldest(owner)) {
      this.take(owner, now);
      return false;
    }
    this.take(owner, now);
    if (id !== undefined) {
      this.forget(owner, id);
      this.arrived(owner, id);
    }
    return true;
  }

  /** One more slot held by `owner`. */
  private take(owner: string, now: number): void {
    const n = this.inFlight(owner) + 1;
    this.held.set(owner, n);
    this.totalHeld += 1;
    // Only an owner at its cap is asked whether its slots free fast (capOf(), wouldHold()): the time
    // since one freed counts from when it got there, not from before a lull it held slots through.
    if (n === this.cap) this.paces.filledCap(owner, now);
  }

  /** Remembers a refused attempt (parked until `until`) until a slot of its owner frees; false when its owner's waiters are full. */
  park(owner: string, id: string, until: number, endpoint = ""): boolean {
    const queue = this.waiters.get(owner) ?? new Map<string, Waiter>();
    if (!queue.has(id) && queue.size >= this.maxWaiters) return false;
    // A re-parked waiter keeps its place (a Map keeps a key's first insertion order).
    queue.set(id, { until, endpoint });
    this.waiters.set(owner, queue);
    return true;
  }

  /**
   * The most slots `owner` may hold now: its cap; or, while it is alone on the thread (no other owner
   * holds, waits for or asked for a slot here in BORROW_QUIET_MS) and its slots free within
   * `holdSettings.waitMs`, all of the thread's slots but one cap's worth, left for the next owner to come.
   */
  capOf(owner: string, now = Date.now()): number {
    const borrowed = this.holdSettings.threadSlots - this.cap;
    if (borrowed <= this.cap || !this.alone(owner, now)) return this.cap;
    return this.fast(owner, 1, now) ? borrowed : this.cap;
  }

  /**
   * The most slots first attempts made without a job (inline-attempts.ts) may count on for `owner`
   * now: what it may hold (capOf(): past its cap while it is alone and its slots free fast), but
   * only its cap while any attempt of its waits for a slot (parked, waiting here, or woken and on
   * its way back). Those are its jobs refused for want of a slot: a fan-out's burst must not take
   * the slots they wait for (claims that borrowed regardless left a burst's jobs refused and parked
   * by the hundred: fan-out 10 fell from 1,819 to 1,390 deliveries/s).
   */
  inlineCap(owner: string, now = Date.now()): number {
    if (this.waiting(owner) > 0 || this.holding(owner) > 0 || this.transit.has(owner)) return this.cap;
    return this.capOf(owner, now);
  }

  /**
   * Slots an attempt of `owner` queued in process behind its fan-out (inline-attempts.ts) may take
   * now: what its first attempts may count on (inlineCap()) less the slots it holds, those awaiting
   * its woken waiters and those its attempts waiting here are owed. The queued ones come after every
   * other attempt of the owner.
   */
  queuedRoom(owner: string, now = Date.now()): number {
    return this.inlineCap(owner, now) - this.inFlight(owner) - this.promised(owner);
  }

  /**
   * Whether `turns` of `owner`'s slots free within `ms` at its measured pace (OwnerPaces.everyMs()),
   * and one of them freed within STALLED_MS (OwnerPaces.now(): an owner whose endpoints stopped
   * answering is not queued for); false before its pace is measured. Not OwnerPaces.now() alone: a
   * busy thread frees slots in clumps, tens of milliseconds apart, and that gap times thousands of
   * turns says nothing of the pace.
   */
  drainsWithin(owner: string, turns: number, ms: number, now = Date.now()): boolean {
    const everyMs = this.paces.everyMs(owner);
    const sinceFreed = this.paces.now(owner, this.inFlight(owner) > 0, now);
    return everyMs !== undefined && sinceFreed !== undefined && turns * everyMs <= ms && sinceFreed <= STALLED_MS;
  }

  /** The attempts of `owner` its next free slots are owed before any queued one: parked waiters, woken ones on their way, those waiting in process. */
  owed(owner: string): number {
    return this.waiting(owner) + this.promised(owner);
  }

  /** Slots of `owner` promised to attempts not holding them yet: its woken waiters on their way, and those waiting in process. */
  private promised(owner: string): number {
    return (this.transit.get(owner)?.size ?? 0) + this.holds.count(owner);
  }

  /** Whether `owner` holds its cap (capOf()) now. */
  atCap(owner: string, now = Date.now()): boolean {
    return this.inFlight(owner) >= this.capOf(owner, now);
  }

  /** Whether `turns` of `owner`'s slots free within `holdSettings.waitMs` at its pace (OwnerPaces.now()); never with holding off. */
  private fast(owner: string, turns: number, now: number): boolean {
    if (this.holdSettings.waitMs <= 0) return false;
    const everyMs = this.paces.now(owner, this.inFlight(owner) > 0, now);
    return everyMs !== undefined && turns * everyMs <= this.holdSettings.waitMs;
  }

  private alone(owner: string, now: number): boolean {
    const others = (m: ReadonlyMap<string, unknown>): number => m.size - (m.has(owner) ? 1 : 0);
    if (others(this.held) > 0 || others(this.waiters) > 0 || others(this.transit) > 0 || this.holds.othersThan(owner)) return false;
    const last = this.recent.lastOtherAt(owner);
    return last === undefined || now - last >= BORROW_QUIET_MS;
  }

  /**
   * Whether an attempt of `owner` refused now (and `extra` more about to be) would wait here for its
   * next slot: it is not over the cap it may hold now (one that borrowed and is no longer alone
   * waits for nothing: its freed slots are not its own until it is back under its cap), its turn
   * comes within `holdSettings.waitMs` at its pace, and all owners' attempts in flight and waiting
   * here still leave one share of the thread's slots free, for other owners' jobs to be taken.
   */
  wouldHold(owner: string, extra = 0, now = Date.now()): boolean {
    if (this.totalHeld + this.holds.total() + extra + 1 > this.holdSettings.threadSlots - this.cap) return false;
    if (this.inFlight(owner) > this.capOf(owner, now)) return false;
    return this.fast(owner, this.holds.count(owner) + extra + 1, now);
  }

  /**
   * Waits in process for a slot of `owner`, handed over by release(), when wouldHold() says so: true
   * with the slot taken (release it once), false when not waiting or after twice `holdSettings.waitMs`
   * without a slot. The attempt `id`, if it was parked here, stops being a parked waiter.
   */
  async hold(owner: string, id?: string, now = Date.now()): Promise<boolean> {
    if (!this.wouldHold(owner, 0, now)) return false;
    if (id !== undefined) {
      this.forget(owner, id);
      this.arrived(owner, id);
    }
    return this.holds.wait(owner, 2 * this.holdSettings.waitMs);
  }

  /** Attempts of `owner` waiting in process for a slot now. */
  holding(owner: string): number {
    return this.holds.count(owner);
  }

  /**
   * Frees a slot: it passes straight to the owner's oldest attempt waiting in process, if any; else
   * returns the owner's oldest parked attempt whose endpoint is not `refusing` (looking at the first
   * SCAN_LIMIT), which the freed slot is for. An owner over the cap it may hold now (it borrowed,
   * and another owner came) gets neither: the slot is freed for the others.
   */
  release(owner: string, refusing: (endpoint: string) => boolean = () => false, now = Date.now()): { id: string; until: number } | undefined {
    const n = this.held.get(owner) ?? 0;
    this.paces.released(owner, n >= this.cap || this.waiting(owner) > 0 || this.holding(owner) > 0, now);
    const own = n <= this.cap || n <= this.capOf(owner, now);
    // Handed over: the slot stays held, by its new attempt.
    if (own && this.holds.grantOldest(owner)) return undefined;
    const next = own ? this.wakeOne(owner, refusing, now) : undefined;
    if (n <= 1) this.held.delete(owner);
    else this.held.set(owner, n - 1);
    if (n > 0) this.totalHeld -= 1;
    return next;
  }


  /**
   * The waiters to wake now: per owner, as many as its slots here are free and not awaiting a woken
   * waiter (see TRANSIT_MS), oldest first among those whose endpoint is not `refusing`.
   */
  refill(refusing: (endpoint: string) => boolean = () => false, now = Date.now()): { id: string; until: number }[] {
    for (const [owner, woken] of this.transit) {
      for (const [id, at] of woken) if (now - at >= TRANSIT_MS) woken.delete(id);
      if (woken.size === 0) this.transit.delete(owner);
    }
    const out: { id: string; until: number }[] = [];
    for (const owner of new Set([...this.waiters.keys(), ...this.holds.owners()])) out.push(...this.refillOwner(owner, refusing, now));
    return out;
  }

  /** refill() for one owner: its waiters to wake for its free slots not awaiting a woken waiter. */
  refillOwner(owner: string, refusing: (endpoint: string) => boolean = () => false, now = Date.now()): { id: string; until: number }[] {
    const out: { id: string; until: number }[] = [];
    for (let free = this.free(owner); free > 0; free -= 1) {
      // A slot left free while an attempt waits here for it (its waker went elsewhere): handed over.
      if (this.holds.grantOldest(owner)) {
        this.take(owner, now);
        continue;
      }
      const next = this.wakeOne(owner, refusing, now);
      if (next === undefined) break;
      out.push(next);
    }
    return out;
  }

  /** The owner's slots here neither held nor awaiting a woken waiter. */
  private free(owner: string): number {
    return this.cap - this.inFlight(owner) - (this.transit.get(owner)?.size ?? 0);
  }

  /** Takes the owner's oldest waiter whose endpoint is not refusing (of the first SCAN_LIMIT), as in transit. */
  private wakeOne(owner: string, refusing: (endpoint: string) => boolean, now: number): { id: string; until: number } | undefined {
    const queue = this.waiters.get(owner);
    if (queue === undefined) return undefined;
    let looked = 0;
    for (const [id, { until, endpoint }] of queue) {
      if (looked++ >= SCAN_LIMIT) return undefined;
      if (refusing(endpoint)) continue;
      this.forget(owner, id);
      const woken = this.transit.get(owner) ?? new Map<string, number>();
      woken.set(id, now);
      this.transit.set(owner, woken);
      return { id, until };
    }
    return undefined;
  }

  private arrived(owner: string, id: string): void {
    const woken = this.transit.get(owner);
    if (woken?.delete(id) && woken.size === 0) this.transit.delete(owner);
  }

  /** Parked attempts remembered for `owner` now. */
  waiting(owner: string): number {
    return this.waiters.get(owner)?.size ?? 0;
  }

  /** What an attempt of `owner` refused now would queue behind: its waiters, its slots and their pace. */
  queue(owner: string): ParkQueue {
    return { waiting: this.waiting(owner), slots: this.cap, releaseEveryMs: this.paces.everyMs(owner), lastPastBound: this.pastBound.get(owner)?.turn };
  }

  /**
   * Records an attempt of `owner` parked past its waiters' bound: its turn at its owner (the next
   * one's comes after it) and, when its endpoint put it off further, when it comes back.
   */
  parkedPastBound(owner: string, turn: number, until = turn): void {
    const last = this.pastBound.get(owner);
    this.pastBound.set(owner, { turn: Math.max(turn, last?.turn ?? 0), end: Math.max(until, last?.end ?? 0) });
  }

  /**
   * When the last of `owner`'s attempts parked past its waiters' bound comes back, if that is still
   * to come and nothing remembered here is ahead of them: its waiters all woken, a slot free for
   * the next. Those parked attempts are then to be found in PostgreSQL (owner-backlog.ts). The
   * record lasts until that end has passed (a park recorded here may not be committed yet when the
   * first lookup runs).
   */
  backlogToFind(owner: string, now = Date.now()): number | undefined {
    const end = this.pastBound.get(owner)?.end;
    if (end === undefined) return undefined;
    if (end <= now) {
      this.pastBound.delete(owner);
      return undefined;
    }
    return this.waiting(owner) === 0 && this.free(owner) > 0 ? end : undefined;
  }

  /** The owners backlogToFind() names now. */
  backlogsToFind(now = Date.now()): { owner: string; end: number }[] {
    const out: { owner: string; end: number }[] = [];
    for (const owner of [...this.pastBound.keys()]) {
      const end = this.backlogToFind(owner, now);
      if (end !== undefined) out.push({ owner, end });
    }
    return out;
  }

  /**
   * Remembers parked attempts of `owner` found in PostgreSQL as its waiters, in their order, up to
   * the bound (those in transit here are on their way already). Returns how many of them it took
   * (the rest did not fit).
   */
  adopt(owner: string, found: readonly { id: string; until: number; endpoint: string }[]): number {
    const woken = this.transit.get(owner);
    let taken = 0;
    for (const f of found) {
      if (!woken?.has(f.id) && !this.park(owner, f.id, f.until, f.endpoint)) break;
      taken += 1;
    }
    return taken;
  }

  /** Attempts of `owner` woken for a slot here and not back yet. */
  inTransit(owner: string): string[] {
    return [...(this.transit.get(owner)?.keys() ?? [])];
  }

  private forget(owner: string, id: string): void {
    const queue = this.waiters.get(owner);
    if (queue?.delete(id) && queue.size === 0) this.waiters.delete(owner);
  }

  /** Slots `owner` holds now (tests, metrics). */
  inFlight(owner: string): number {
    return this.held.get(owner) ?? 0;
  }
}
