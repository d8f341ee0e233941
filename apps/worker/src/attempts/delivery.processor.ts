// One delivery attempt, in the order delivery.md gives: load the delivery (with its webhook and
// event), skip it if the webhook is gone or inactive, take a slot of its owner's share of this
// worker (fair delivery), ask the endpoint gate, build and sign the request, send it, free the
// owner's slot, record the attempt, update the delivery and the webhook's health, then finish,
// retry later or give up.
//
// Only a delivery's canonical job (deliveryJobId(id)) attempts it, and BullMQ runs one job at a
// time, so attempts of one delivery never overlap. Any other job for it (a redeliver request) makes
// sure the canonical job exists and runs now, then ends.
import { DelayedError, UnrecoverableError, type Job, type Queue } from "bullmq";
import type { AttemptResult } from "@msr-webhooks/delivery/attempt-result";
import { classifyOutcome } from "@msr-webhooks/delivery/classify";
import type { DeliveryClient } from "@msr-webhooks/delivery/http-client";
import { deliveryJobId, type DeliveryJobData } from "@msr-webhooks/queue/names";
import type { Logger } from "winston";
import type { RetryPolicy } from "../config.js";
import { ensureJob } from "../shared/job-presence.js";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { decide, type DeliveryDecision } from "./delivery-decision.js";
import { REDELIVER_JOB_NAME } from "@msr-webhooks/queue/delivery-job";
import { deliveryJob, RETRY_LANE_PRIORITY } from "./delivery-job.js";
import { observeAttempt, observeUnattempted, type DeliveryMetrics } from "./delivery-metrics.js";
import type { DeliveryStore } from "./delivery-store.js";
import { isFinished, type DueDelivery, type LeasedDelivery } from "./delivery.repository.js";
import { notSentResult, toAttemptRecord } from "./attempt-record.js";
import type { DeferralCounts, DeferralReason } from "../isolation/deferral-counts.js";
import type { OwnerSlots } from "../isolation/owner-slots.js";
import type { OwnerBacklog } from "../isolation/owner-backlog.js";
import type { Parking } from "../isolation/parking.js";
import { RefusalHints } from "../isolation/refusal-hints.js";
import type { Admission, EndpointGate } from "./endpoint-gate.js";
import type { EnvelopeCache } from "./envelope-cache.js";
import { RetryLaterError } from "./retry-later.error.js";
import { signingSecrets } from "./signing-secrets.js";

export interface DeliveryProcessorDeps {
  store: DeliveryStore;
  deliveryQueue: Queue<DeliveryJobData>;
  client: DeliveryClient;
  envelopes: EnvelopeCache;
  gate: EndpointGate;
  log: Logger;
  retry: RetryPolicy;
  userAgent: string;
  /** Prometheus: outcomes, attempt durations, publish-to-deliver latency (absent in some unit tests). */
  metrics?: DeliveryMetrics;
  /**
   * Fair delivery: each owner's share of this worker's slots, and how long an attempt over its
   * owner's share is deferred (then spread by up to 100%). Absent: no per-owner cap. `backlog`
   * finds an owner's attempts parked past its waiters' bound once its waiters are all woken.
   */
  fairness?: { owners: OwnerSlots; retryMs: number; backlog?: OwnerBacklog };
  /** Deferrals by reason (logged periodically by the caller). */
  deferrals?: DeferralCounts;
  /**
   * Attempts refused at their owner's share or their endpoint's in-flight cap are parked until a
   * slot frees (isolation/parking.ts) instead of coming back after `fairness.retryMs` /
   * the gate's retryAt. Absent: they come back then.
   */
  parking?: Parking;
  /** What the gate last refused, per endpoint (shared with the thread's fan-out, which parks arrivals on it). */
  hints?: RefusalHints;
  /** A delivery an open circuit refuses at this age ends failed without an attempt (OPEN_CIRCUIT_MAX_AGE); absent: never. */
  openCircuitMaxAgeMs?: number;
  /** Injectable for tests. */
  random?: () => number;
}

/** What became of a job that finished without throwing. */
export type DeliveryJobResult = "succeeded" | "skipped" | "finished-elsewhere" | "gone" | "handed-to-canonical-job";

/** The delivery processor's part in first attempts made without a job (inline-attempts.ts). */
export interface LeasedAttempts {
  attemptLeased(due: LeasedDelivery, owner: string | undefined): Promise<void>;
  handToJob(deliveryId: string): Promise<void>;
}

/** What became of a recorded attempt ("gone": the webhook was deleted during it). */
type AttemptOutcome =
  | { kind: "succeeded" | "gone" }
  | { kind: "failed"; reason: string }
  | { kind: "retry"; delayMs: number; reason: string };

type Refusal = Extract<Admission, { admitted: false }>;

interface RefusedWait {
  retryAt: Date;
  retryLane: boolean;
  reason: DeferralReason;
  /** Names it as a waiter for the endpoint's next free slot, once its job is put off. */
  remember: (() => Promise<void>) | undefined;
}

interface Sent {
  result: AttemptResult;
  /** Set when the request could not even be built: no retry will change that. */
  permanentFailure: string | null;
}

export function createDeliveryProcessor(deps: DeliveryProcessorDeps) {
  const { store, log } = deps;

  /**
   * Retries and deferred attempts run from BullMQ's prioritized lane, which a worker only serves when
   * no job waits in the plain lane: a first attempt never queues behind them.
   */
  async function toRetryLane(job: Job): Promise<void> {
    if (job.priority === RETRY_LANE_PRIORITY) return;
    try {
      await job.changePriority({ priority: RETRY_LANE_PRIORITY });
    } catch (err) {
      // The job is gone (deleted webhook, removed by hand): nothing is left to reorder.
      if (log.isDebugEnabled()) log.debug("cannot move a delivery job to the retry lane", { jobId: job.id, error: errorMessage(err) });
    }
  }

  const parking = deps.parking;
  const gate = deps.gate;
  // The gate wakes parked attempts when their endpoint frees a slot; it parks none unless told who wakes them.
  const gateParks = parking !== undefined && gate.park !== undefined && gate.onFreed !== undefined;
  if (gateParks) gate.onFreed?.((slot, until) => parking.wake(slot, until));
  const hints = deps.hints ?? new RefusalHints();
  /** Refused a moment ago, and no slot freed here since: an owner waiter for it is not worth waking. */
  const refusing = (endpoint: string): boolean => hints.refusing(endpoint);

  /** Puts the job off until `at` without spending an attempt; `remember` then names it as a waiter (parking). */
  async function deferJob(job: Job, token: string | undefined, at: number, reason: DeferralReason, remember?: () => unknown): Promise<never> {
    deps.deferrals?.add(reason);
    await job.moveToDelayed(Math.max(at, Date.now() + 10), token);
    // Only once the job is delayed: a wake-up before that would find nothing to promote.
    await remember?.();
    throw new DelayedError();
  }

  /** The delivery was not due: find out why and act on it. */
  async function notDue(job: Job<DeliveryJobData>, token: string | undefined): Promise<DeliveryJobResult> {
    const { deliveryId } = job.data;
    const state = await store.state(deliveryId);
    if (state === null) {
      // The webhook (and with it the delivery) was deleted, or retention purged it.
      return "gone";
    }
    if (isFinished(state.status)) return "finished-elsewhere";
    if (state.webhookInactive) {
      // Never attempted: skipped. Already failing: failed, so a later /recover can replay it.
      const status = state.attemptCount > 0 ? "failed" : "skipped";
      const reason = `subscription is inactive${state.disabledReason ? ` (${state.disabledReason})` : ""}`;
      await store.finishWithoutAttempt(deliveryId, status, reason);
      observeUnattempted(deps.metrics, state.eventType, status);
      log.info("delivery not attempted: subscription inactive", { deliveryId, status });
      return "skipped";
    }
    // Scheduled later (a retry, or a deferral): come back then, without spending an attempt.
    await toRetryLane(job);
    return deferJob(job, token, (state.nextAttemptAt?.getTime() ?? Date.now()) + 5, "not-due");
  }

  /** A slot of the owner's share, taken at once or, when the owner's next one frees in a moment, waited for in process. */
  async function ownerSlot(owners: OwnerSlots, owner: string, deliveryId: string): Promise<boolean> {
    if (owners.tryAcquire(owner, deliveryId)) return true;
    if (!owners.wouldHold(owner)) return false;
    deps.deferrals?.add("held");
    return owners.hold(owner, deliveryId);
  }

  async function send(due: DueDelivery, now: Date): Promise<Sent> {
    // The webhook's payload format (msr unless its settings say otherwise); a lookup failure is no
    // verdict on the delivery, so it throws like any other database error instead of failing it.
    const settings = await deps.envelopes.settingsFor(due.webhookId);
    let request;
    try {
      request = deps.envelopes.requestFor(due, settings, {
        secrets: signingSecrets(due, now),
        timestamp: Math.floor(now.getTime() / 1000),
        userAgent: deps.userAgent,
      });
    } catch (err) {
      // E.g. a stored secret that is not base64: a data problem, recorded as an attempt that never left.
      const message = `cannot build the request: ${errorMessage(err)}`;
      return { result: notSentResult(message), permanentFailure: message };
    }
    const target = { url: due.endpoint, tlsCert: due.tlsCert, skipTLSVerification: due.skipTLSVerification };
    return { result: await deps.client.send(target, request), permanentFailure: null };
  }

  async function attempt(job: Job<DeliveryJobData>, token: string | undefined): Promise<DeliveryJobResult> {
    const { deliveryId } = job.data;
    const due = await store.loadDue(deliveryId);
    if (due === null) return notDue(job, token);

    const fairness = deps.fairness;
    if (fairness === undefined) return admitAndSend(job, token, due);
    if (!(await ownerSlot(fairness.owners, due.authorId, deliveryId))) {
      if (log.isDebugEnabled()) log.debug("delivery deferred: its owner holds its share of the worker", { deliveryId });
      // Not a failure: the delivery keeps its place among first attempts and spends nothing.
      const queue = fairness.owners.queue(due.authorId);
      const endpointQueue = gateParks ? hints.queue(due.endpoint) : undefined;
      // Parked at the endpoint (below) when it is full too: no sooner than its turn there could come.
      const ownerUntil = parking?.until(job.delay, queue).getTime();
      const retryAt =
        parking && ownerUntil !== undefined
          ? new Date(Math.max(ownerUntil, endpointQueue ? parking.until(job.delay, endpointQueue).getTime() : 0))
          : new Date(Date.now() + Math.round(fairness.retryMs * (1 + (deps.random ?? Math.random)())));
      if (parking && ownerUntil !== undefined && !parking.remembers(queue)) fairness.owners.parkedPastBound(due.authorId, ownerUntil, retryAt.getTime());
      await store.postpone(deliveryId, retryAt);
      // An endpoint that would refuse it too keeps it (woken when it has room); else its owner does.
      const remember =
        parking &&
        (async () => {
          if (gateParks && (await gate.park?.(due.endpoint, deliveryId, retryAt, true)) === "parked") return;
          const { owners } = fairness;
          // Its owner freed a slot meanwhile, and no slot is left to free and wake it: at once. Or its
          // owner's waiters filled meanwhile: looked at again now, it gets its turn past them (arrival-parking.ts).
          const wakeNow = !owners.atCap(due.authorId) || (!owners.park(due.authorId, deliveryId, retryAt.getTime(), due.endpoint) && parking.remembers(queue));
          if (wakeNow) parking.wake(deliveryId, retryAt.getTime());
        });
      return deferJob(job, token, retryAt.getTime(), "owner", remember);
    }
    // The slot is the owner's until its endpoint has answered (or the attempt ends without asking it):
    // that is what an owner's endpoints take of this worker. Writing the attempt's record is the
    // database's time, the same for every owner: a slow commit must not make the owner look slow
    // (parking its next attempts, and ending a lone owner's borrowing) while its endpoints answer fast.
    const freeSlot = slotFreer(due.authorId);
    try {
      return await admitAndSend(job, token, due, freeSlot);
    } finally {
      freeSlot();
    }
  }

  /** A slot of `owner` freed: for its oldest parked attempt, if any; else for the next one parked past its waiters' bound. */
  function releaseOwnerSlot(owner: string): void {
    const fairness = deps.fairness;
    if (fairness === undefined) return;
    const next = fairness.owners.release(owner, refusing);
    if (next !== undefined) parking?.wake(next.id, next.until);
    else fairness.backlog?.find(owner);
  }

  /** Frees a slot `owner` holds (none: nothing to free) once, however often it is called. */
  function slotFreer(owner: string | undefined): () => void {
    let held = owner !== undefined;
    return () => {
      if (!held || owner === undefined) return;
      held = false;
      releaseOwnerSlot(owner);
    };
  }

  /** A leased first attempt that is not made here after all: due now (its lease ended) and queued as its job, like any first attempt. */
  async function handToJob(deliveryId: string): Promise<void> {
    await store.postpone(deliveryId, new Date());
    // A job made during the lease waits for its end: it runs now instead.
    await ensureJob(deps.deliveryQueue, deliveryJob(deliveryId, deps.retry), { delayed: "promote" });
  }

  /**
   * Queues the job of a delivery whose row already says when it is due (its lease ended by a record
   * or a postpone). A job made during the lease (a redeliver request, a fan-out rerun) was put off
   * to the lease's end, where a plain add would leave it: it is moved to this time instead. A failed
   * add is left to the reconciler, which queues the row at that time: made due now instead, a retry
   * would skip its backoff and a refused attempt its park.
   */
  async function queueAfterLease(deliveryId: string, opts: { delay: number; priority?: number }): Promise<boolean> {
    try {
      const job = deliveryJob(deliveryId, deps.retry);
      await ensureJob(deps.deliveryQueue, { ...job, opts: { ...job.opts, ...opts } }, { delayed: "reschedule" });
      return true;
    } catch (err) {
      log.warn("cannot queue the job of a first attempt made without one; the reconciler queues it when it is due", { deliveryId, error: errorMessage(err) });
      return false;
    }
  }

  /**
   * The first attempt of a delivery the fan-out wrote leased (inline-attempts.ts), made here without
   * a job, from the row as the fan-out's write returned it. `owner`: whose slot the caller took for
   * it, freed here once its endpoint has answered. Refused by the endpoint gate, its job is queued to
   * wait as a job refused now would; its webhook gone inactive, it is handed to its job. A retry is
   * queued as its job, delayed, in the retry lane.
   */
  async function attemptLeased(due: LeasedDelivery, owner: string | undefined): Promise<void> {
    const deliveryId = due.id;
    const freeSlot = slotFreer(owner);
    try {
      if (due.webhookInactive) {
        // Disabled between the fan-out's match and its write: the job path ends it as it should.
        freeSlot();
        await handToJob(deliveryId);
        return;
      }
      const admission = await gate.admit(due.endpoint, new Date(), deliveryId);
      if (!admission.admitted) {
        freeSlot();
        // Its job waits as a job refused now would (the lease ends with the postpone).
        const refused = refusedWait(due, admission, 0);
        deps.deferrals?.add(refused.reason);
        await store.postpone(deliveryId, refused.retryAt);
        const delay = Math.max(1, refused.retryAt.getTime() - Date.now());
        if (await queueAfterLease(deliveryId, { delay, ...(refused.retryLane ? { priority: RETRY_LANE_PRIORITY } : {}) })) await refused.remember?.();
        return;
      }
      const outcome = await sendAndRecord(due, "scheduled", freeSlot);
      if (outcome.kind === "retry") await queueAfterLease(deliveryId, { delay: outcome.delayMs, priority: RETRY_LANE_PRIORITY });
    } finally {
      freeSlot();
    }
  }

  /** Ends a delivery its endpoint's open circuit kept from its attempts for OPEN_CIRCUIT_MAX_AGE: failed, with the attempts it made. */
  async function expire(due: DueDelivery): Promise<DeliveryJobResult> {
    const reason = `not attempted again: the endpoint's circuit was still open ${Math.round((deps.openCircuitMaxAgeMs ?? 0) / 1000)} s after the delivery was made (OPEN_CIRCUIT_MAX_AGE)`;
    if (await store.finishWithoutAttempt(due.id, "failed", reason)) {
      observeUnattempted(deps.metrics, due.eventType, "failed");
      log.info("delivery failed: its endpoint's circuit stayed open", { deliveryId: due.id, attempts: due.attemptNumber - 1 });
    }
    return "skipped";
  }

  /**
   * Sends an admitted attempt, tells the gate, records it and the webhook's health. `answered` is
   * called once the endpoint has answered (or the request failed), before the attempt is recorded.
   * A retry the webhook can no longer have (it went inactive) ends the delivery failed here.
   */
  async function sendAndRecord(due: DueDelivery, trigger: "manual" | "scheduled", answered?: () => void): Promise<AttemptOutcome> {
    const startedAt = new Date();
    let sent: Sent;
    try {
      sent = await send(due, startedAt);
    } catch (err) {
      // The gate must hear about every admitted attempt, or its in-flight counts drift.
      await gate.release(due.endpoint, false, due.id, false);
      throw err;
    }
    const { result, permanentFailure } = sent;
    // A request that could not be built never reached the endpoint: it says nothing against it.
    await gate.release(due.endpoint, result.ok || permanentFailure !== null, due.id, result.errorKind === "timeout");
    // A slot freed: owner waiters for the endpoint are worth waking again.
    hints.freed(due.endpoint);
    answered?.();

    const decision: DeliveryDecision =
      permanentFailure === null
        ? decide(classifyOutcome(result), result, due.attemptNumber, deps.retry, new Date(), deps.random)
        : { kind: "failed", reason: permanentFailure, disable: null };
    const webhook = await store.record(toAttemptRecord({ due, trigger, startedAt, result, decision }));
    // The webhook was deleted during the attempt: its deliveries went with it, nothing is left to do.
    if (webhook.gone) return { kind: "gone" };
    observeAttempt(deps.metrics, {
      eventType: due.eventType,
      eventCreatedAt: due.eventCreatedAt,
      decision: decision.kind,
      webhookInactive: webhook.inactive,
      durationMs: result.durationMs,
      endedAt: new Date(),
    });
    const meta = { deliveryId: due.id, webhookId: due.webhookId, attempt: due.attemptNumber, statusCode: result.statusCode };
    if (webhook.disabledNow) {
      log.warn("subscription disabled", { deliveryId: due.id, webhookId: due.webhookId, reason: webhook.disabledReason });
    }
    switch (decision.kind) {
      case "succeeded":
        if (log.isDebugEnabled()) log.debug("delivered", { ...meta, durationMs: result.durationMs });
        return { kind: "succeeded" };
      case "retry": {
        if (webhook.inactive) {
          const reason = `subscription is inactive (${webhook.disabledReason ?? "disabled"}) after: ${decision.reason}`;
          await store.finishWithoutAttempt(due.id, "failed", reason);
          return { kind: "failed", reason };
        }
        log.info("delivery attempt failed; will retry", { ...meta, reason: decision.reason, delayMs: decision.delayMs });
        return { kind: "retry", delayMs: decision.delayMs, reason: decision.reason };
      }
      case "failed":
        log.warn("delivery failed", { ...meta, reason: decision.reason });
        return { kind: "failed", reason: decision.reason };
    }
  }

  /**
   * How an attempt the endpoint gate refused waits, `parkedMs` after its job was last put off: until
   * when, whether in the retry lane, and who wakes it. Busy, or refused by an open circuit but not kept
   * back for its probe: parked until the endpoint frees a slot or its circuit closes (or, without
   * parking, back at the gate's retryAt). An endpoint that is merely busy is not failing: its first
   * attempts stay first attempts.
   */
  function refusedWait(due: DueDelivery, admission: Refusal, parkedMs: number): RefusedWait {
    const busy = admission.cause === "busy";
    const queue = gateParks ? admission.queue : undefined;
    if (parking) hints.refused(due.endpoint, busy ? "busy" : "circuit", queue);
    const retryAt = queue && parking ? parking.until(parkedMs, queue) : admission.retryAt;
    // Parked only while the endpoint still refuses: a slot freed between the refusal and now would
    // wake no one (its release found no waiter), so the attempt is woken at once instead.
    const remember = queue
      ? async () => {
          if ((await gate.park?.(due.endpoint, due.id, retryAt, true)) === "free") parking?.wake(due.id, retryAt.getTime());
        }
      : undefined;
    return { retryAt, retryLane: !busy, reason: !busy ? "circuit" : admission.reason.startsWith("slow") ? "slow" : "busy", remember };
  }

  /** `answered` is called once the endpoint has answered (or the request failed), before the attempt is recorded. */
  async function admitAndSend(job: Job<DeliveryJobData>, token: string | undefined, due: DueDelivery, answered?: () => void): Promise<DeliveryJobResult> {
    const deliveryId = due.id;
    const admission = await gate.admit(due.endpoint, new Date(), deliveryId);
    if (!admission.admitted) {
      if (admission.cause !== "busy" && deps.openCircuitMaxAgeMs !== undefined && Date.now() - due.createdAt.getTime() >= deps.openCircuitMaxAgeMs) return expire(due);
      if (log.isDebugEnabled()) log.debug("delivery deferred by the endpoint gate", { deliveryId, reason: admission.reason });
      const refused = refusedWait(due, admission, job.delay);
      await Promise.all([store.postpone(deliveryId, refused.retryAt), refused.retryLane ? toRetryLane(job) : undefined]);
      return deferJob(job, token, refused.retryAt.getTime(), refused.reason, refused.remember);
    }

    // A redeliver request's own attempt is manual; retries after it are scheduled again.
    const outcome = await sendAndRecord(due, job.name === REDELIVER_JOB_NAME && job.attemptsMade === 0 ? "manual" : "scheduled", answered);
    switch (outcome.kind) {
      case "succeeded":
      case "gone":
        return outcome.kind;
      case "retry":
        await toRetryLane(job);
        throw new RetryLaterError(outcome.delayMs, outcome.reason);
      case "failed":
        throw new UnrecoverableError(outcome.reason);
    }
  }

  /** A job other than the canonical one: have the canonical job run now instead. */
  async function handOver(job: Job<DeliveryJobData>): Promise<DeliveryJobResult> {
    const { deliveryId } = job.data;
    const state = await store.state(deliveryId);
    if (state === null) return "gone";
    if (isFinished(state.status)) return "finished-elsewhere";
    await ensureJob(deps.deliveryQueue, deliveryJob(deliveryId, deps.retry, REDELIVER_JOB_NAME), { delayed: "promote" });
    return "handed-to-canonical-job";
  }

  async function processDelivery(job: Job<DeliveryJobData>, token?: string): Promise<DeliveryJobResult> {
    if (job.id !== deliveryJobId(job.data.deliveryId)) return handOver(job);
    return attempt(job, token);
  }
  // The BullMQ processor, with what the fan-out's leased first attempts need (inline-attempts.ts).
  const leased: LeasedAttempts = { attemptLeased, handToJob };
  return Object.assign(processDelivery, leased);
}
