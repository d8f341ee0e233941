// The endpoint gate every worker process shares through Redis: a cap on attempts in flight per
// endpoint (a smaller one, the slow lane, for an endpoint whose attempts keep timing out) and a
// circuit breaker per endpoint (see gate-scripts.ts). One script call to admit an
// attempt, one to release it, pipelined with other attempts' calls (gate-pipeline.ts). If Redis
// cannot answer, attempts are let through: isolation protects throughput, it must never be the
// reason a delivery stops.
import type { Redis } from "ioredis";
import type { Logger } from "winston";
import type { Admission, EndpointGate, ParkResult } from "../attempts/endpoint-gate.js";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { EndpointKeyring } from "./endpoint-key.js";
import { GatePipeline } from "./gate-pipeline.js";
import { BREAKER_BUCKETS } from "./gate-scripts.js";

export interface BreakerSettings {
  /** The window failures are counted over. */
  windowMs: number;
  /** No opening on the ratio before this many attempts in the window. */
  minAttempts: number;
  /** Opens when at least this share of the window's attempts failed (0..1). */
  failureRatio: number;
  /** Opens after this many failures in a row, whatever the window says. */
  consecutiveFailures: number;
  /** How long an open circuit refuses attempts before one probe is let through. */
  openMs: number;
}

export interface IsolationSettings {
  /** Attempts in flight per endpoint, across all workers. */
  maxInFlight: number;
  /** How long an attempt may hold its slot: the attempt's timeout plus a margin. */
  slotTtlMs: number;
  /**
   * How long an attempt refused by a full endpoint waits in this process for a slot (woken when one
   * of this process's attempts to the endpoint ends, else asking again every POLL_MS) before it is
   * deferred. Without it a busy healthy endpoint would bounce most of its attempts through the queue.
   */
  busyWaitMs: number;
  /** How long an attempt still refused after busyWaitMs is deferred (then spread by up to 100%). */
  busyRetryMs: number;
  /**
   * Attempts refused by an open circuit come back one this far apart (default busyRetryMs /
   * maxInFlight: the in-flight cap's worth per busyRetryMs).
   */
  circuitPaceMs?: number;
  breaker: BreakerSettings;
  /**
   * An endpoint whose last `afterTimeouts` attempts all timed out is held to `maxInFlight` attempts
   * until one is answered in time. Absent: no slow lane.
   */
  slowLane?: { afterTimeouts: number; maxInFlight: number };
  /**
   * Attempts refused at the in-flight cap, or by an open circuit (all but one, kept back for the
   * probe), may be parked (park()): remembered, at most `maxWaiters` per endpoint, and woken one per
   * freed slot (onFreed), as many as there are free slots when the circuit closes; a waiters set
   * nobody parks in for `ttlMs` lapses. Absent: nobody is parked.
   */
  parking?: { maxWaiters: number; ttlMs: number };
}

/** What the scripts answered; for logs and tests. */
export type AdmitVerdict = "ok" | "probe" | "open" | "half-open" | "busy" | "slow";
export type ReleaseVerdict = "closed" | "opened" | "open" | "half" | "reopened" | "recovered";

export interface EndpointState {
  state: "closed" | "open" | "half-open";
  /** When the circuit last opened (Redis clock, ms since epoch). */
  openedAt: number | null;
  /** Until when an open circuit refuses attempts. */
  openUntil: number | null;
  inFlight: number;
  /** In the slow lane: its last attempts timed out. */
  slow: boolean;
}

/** How often a waiting attempt asks again when no attempt of this process frees a slot. */
const POLL_MS = 50;
/** Attempts refused as busy come back spread over up to twice their wait, so they do not return as one herd. */
const BUSY_SPREAD = 1;

export class RedisEndpointGate implements EndpointGate {
  private readonly scripts: GatePipeline;
  private readonly keyring: EndpointKeyring;
  private readonly breakerTtlMs: number;
  private readonly openSetKey: string;
  private readonly releaseArgs: number[];
  private readonly paceMs: number;
  private lastFailureLog = 0;
  /** Attempts of this process waiting for a slot, per endpoint: release wakes the first. */
  private readonly waiting = new Map<string, (() => void)[]>();
  /** Who wakes parked attempts (onFreed); until there is one, nobody is parked. */
  private wakeParked: ((slot: string, until: number) => void) | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly settings: IsolationSettings,
    private readonly log: Logger,
    private readonly random: () => number = Math.random,
  ) {
    this.scripts = new GatePipeline(redis);
    this.keyring = new EndpointKeyring(prefix);
    this.openSetKey = `${prefix}:endpoints:open`;
    const { breaker } = settings;
    this.paceMs = Math.max(1, Math.round(settings.circuitPaceMs ?? settings.busyRetryMs / settings.maxInFlight));
    // Long enough to outlive the window, an open period and a probe; idle endpoints then vanish.
    this.breakerTtlMs = breaker.windowMs + breaker.openMs + settings.slotTtlMs;
    this.releaseArgs = [
      breaker.windowMs,
      BREAKER_BUCKETS,
      breaker.minAttempts,
      Math.round(breaker.failureRatio * 1000),
      breaker.consecutiveFailures,
      breaker.openMs,
      this.breakerTtlMs,
    ];
  }

  onFreed(wake: (slot: string, until: number) => void): void {
    this.wakeParked = wake;
  }

  async park(endpoint: string, slot: string, until: Date, onlyIfRefused = false): Promise<ParkResult> {
    const { parking } = this.settings;
    if (!this.parks() || parking === undefined) return "full";
    const keys = this.keyring.keysFor(endpoint);
    try {
      const kept = await this.scripts.call<number>(
        "msrwhGatePark",
        keys.waiters,
        keys.inFlight,
        keys.breaker,
        slot,
        until.getTime(),
        parking.maxWaiters,
        parking.ttlMs,
        onlyIfRefused ? 1 : 0,
        this.settings.maxInFlight,
        this.settings.slowLane?.afterTimeouts ?? 0,
        this.settings.slowLane?.maxInFlight ?? this.settings.maxInFlight,
      );
      return kept === 1 ? "parked" : kept === -1 ? "free" : "full";
    } catch (err) {
      // Not remembered: the job comes back on its own at the park's end.
      this.failed("park", err);
      return "full";
    }
  }

  async admit(endpoint: string, now: Date, slot: string): Promise<Admission> {
    const keys = this.keyring.keysFor(endpoint);
    const started = Date.now();
    const deadline = started + this.settings.busyWaitMs;
    let waited = false;
    let answer: [number, number, AdmitVerdict, number?, number?];
    for (;;) {
      try {
        answer = await this.scripts.call<[number, number, AdmitVerdict, number?, number?]>(
          "msrwhGateAdmit",
          keys.inFlight,
          keys.breaker,
          keys.waiters,
          slot,
          this.settings.maxInFlight,
          this.settings.slotTtlMs,
          this.settings.busyRetryMs,
          this.breakerTtlMs,
          this.paceMs,
          this.settings.slowLane?.afterTimeouts ?? 0,
          this.settings.slowLane?.maxInFlight ?? this.settings.maxInFlight,
          this.parks() ? 1 : 0,
        );
      } catch (err) {
        this.failed("admit", err);
        return { admitted: true };
      }
      // A slow endpoint's slots free only as its attempts time out: not worth holding a worker slot for.
      if (answer[2] !== "busy" || !(await this.waitForSlot(keys.inFlight, deadline))) break;
      waited = true;
    }
    const [admitted, waitMs, verdict, waiting, slots] = answer;
    if (admitted === 1) {
      if (verdict === "probe") this.log.info("circuit half-open: probing the endpoint", { endpoint: keys.origin });
      return { admitted: true };
    }
    const busy = verdict === "busy" || verdict === "slow";
    // The circuit's line already spreads its returns; busy ones get a random spread.
    const wait = Math.max(1, waitMs) * (busy ? 1 + BUSY_SPREAD * this.random() : 1);
    const reason =
      verdict === "busy"
        ? `${this.settings.maxInFlight} attempts already in flight`
        : verdict === "slow"
          ? `slow endpoint: ${this.settings.slowLane?.maxInFlight ?? this.settings.maxInFlight} attempts already in flight`
          : `circuit ${verdict}`;
    // The deferral counts from when the answer came, not from before a wait for a slot.
    const from = now.getTime() + (waited ? Date.now() - started : 0);
    const refused: Admission = { admitted: false, retryAt: new Date(from + Math.round(wait)), reason, cause: busy ? "busy" : "circuit" };
    // Parked (busy, or the circuit's refusals but the one kept for its probe): the waiters ahead and the cap.
    if (this.parks() && waiting !== undefined && slots !== undefined) refused.queue = { waiting, slots };
    return refused;
  }

  /** Parking is on once somebody wakes the parked attempts. */
  private parks(): boolean {
    return this.wakeParked !== undefined && this.settings.parking !== undefined;
  }

  async release(endpoint: string, ok: boolean, slot: string, timedOut = false): Promise<void> {
    const keys = this.keyring.keysFor(endpoint);
    // An attempt of this process waiting for the slot takes it at once: no parked one is woken for it.
    const toWake = !this.parks() ? -1 : this.waiting.has(keys.inFlight) ? 0 : 1;
    let verdict: ReleaseVerdict;
    let woken: string[];
    try {
      [verdict, woken] = await this.scripts.call<[ReleaseVerdict, string[]]>(
        "msrwhGateRelease",
        keys.inFlight,
        keys.breaker,
        keys.waiters,
        this.openSetKey,
        slot,
        ok ? 1 : 0,
        ...this.releaseArgs,
        keys.origin,
        timedOut ? 1 : 0,
        toWake,
        this.settings.maxInFlight,
        this.settings.slowLane?.afterTimeouts ?? 0,
      );
    } catch (err) {
      // The slot lapses on its own (slotTtlMs); the breaker misses one outcome; parked attempts come back on their own.
      this.failed("release", err);
      return;
    }
    this.wake(keys.inFlight);
    for (let i = 0; i + 1 < woken.length; i += 2) this.wakeParked?.(woken[i] as string, Number(woken[i + 1]));
    const { openMs } = this.settings.breaker;
    if (verdict === "opened") this.log.warn("circuit opened: attempts to this endpoint are deferred", { endpoint: keys.origin, openMs });
    else if (verdict === "reopened") this.log.info("circuit re-opened: the probe failed", { endpoint: keys.origin, openMs });
    else if (verdict === "recovered") this.log.info("circuit closed: the probe succeeded", { endpoint: keys.origin });
  }

  /** How many endpoints have an open (or half-open) circuit now, across the deployment. */
  async openCircuits(): Promise<number> {
    const [, [, count]] = (await this.redis
      .multi()
      .zremrangebyscore(this.openSetKey, "-inf", Date.now())
      .zcard(this.openSetKey)
      .exec()) as [[unknown, unknown], [unknown, number]];
    return count;
  }

  /** The endpoint's breaker and in-flight count as Redis holds them now (operations and tests). */
  async inspect(endpoint: string): Promise<EndpointState> {
    const keys = this.keyring.keysFor(endpoint);
    const [[, fields], [, count]] = (await this.redis
      .multi()
      .hmget(keys.breaker, "state", "openedAt", "until", "slow")
      .zcount(keys.inFlight, Date.now(), "+inf")
      .exec()) as [[unknown, (string | null)[]], [unknown, number]];
    const [state, openedAt, until, slow] = fields;
    const slowAfter = this.settings.slowLane?.afterTimeouts ?? 0;
    return {
      state: state === "open" ? "open" : state === "half" ? "half-open" : "closed",
      openedAt: openedAt ? Number(openedAt) : null,
      openUntil: until ? Number(until) : null,
      inFlight: count,
      slow: slowAfter > 0 && Number(slow ?? 0) >= slowAfter,
    };
  }

  /** False at once when the wait is over or enough attempts already wait; else true once worth asking again. */
  private async waitForSlot(key: string, deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    const queue = this.waiting.get(key) ?? [];
    // More waiters than slots could not all be served soon: the rest are deferred, not parked.
    if (left <= 0 || queue.length >= this.settings.maxInFlight) return false;
    this.waiting.set(key, queue);
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const at = queue.indexOf(done);
        if (at >= 0) queue.splice(at, 1);
        if (queue.length === 0 && this.waiting.get(key) === queue) this.waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, Math.min(POLL_MS, left));
      queue.push(done);
    });
    return true;
  }

  private wake(key: string): void {
    this.waiting.get(key)?.[0]?.();
  }

  private failed(operation: string, err: unknown): void {
    // One line per 10 s at most: during a Redis outage every attempt would say the same.
    const now = Date.now();
    if (now - this.lastFailureLog < 10_000) return;
    this.lastFailureLog = now;
    this.log.warn(`endpoint gate: ${operation} failed; attempts are let through`, { error: errorMessage(err) });
  }
}
