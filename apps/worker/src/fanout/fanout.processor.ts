// Fan-out of one stored event: find the matching webhooks, write one delivery row per
// webhook (skipped, with the reason, when its author lost access or its filters leave the event
// out), mark the event fanned out, then queue one delivery job per deliverable row (parked at once
// when its owner or endpoint is known to refuse it: isolation/arrival-parking.ts), or make its first
// attempt here, without a job, on a row written leased, at once or queued in process behind the
// owner's other attempts (attempts/inline-attempts.ts). The jobs of fan-outs
// running at once go to Redis together (group commit: one addBulk while another is in flight, as the
// database batches do), so an event with one webhook does not pay a queue round trip of its own.
// The worker's ingest calls `fanOut` directly for the events it stores; the fan-out queue carries
// the API's events, reruns, and the events whose inline fan-out failed.
import type { Job, Queue } from "bullmq";
import type { AccessQuery } from "@msr-webhooks/db/access";
import { isEventType } from "@msr-webhooks/events/types";
import type { DeliveryJobData, FanoutJobData } from "@msr-webhooks/queue/names";
import type { Metrics } from "@msr-webhooks/observability/metrics";
import type { Logger } from "winston";
import type { RetryPolicy } from "../config.js";
import type { DeliveryJob } from "@msr-webhooks/queue/delivery-job";
import { deliveryJob } from "../attempts/delivery-job.js";
import type { LeasedDelivery } from "../attempts/delivery.repository.js";
import type { InlineAttempts, InlineClaim } from "../attempts/inline-attempts.js";
import type { ArrivalParking } from "../isolation/arrival-parking.js";
import { Batcher } from "../shared/batcher.js";
import { namedRowId, rowIdTime } from "@msr-webhooks/db/row-ids";
import { AuthorAccess } from "./author-access.js";
import type { FanoutStore } from "./fanout-store.js";
import type { FanoutEvent, NewDelivery } from "./fanout.repository.js";
import { webhookFilterReason } from "./webhook-filter.js";

export interface FanoutProcessorDeps {
  /** For the access rules of the db package (plain SQL: the worker's pg pool). */
  accessSql: AccessQuery;
  store: FanoutStore;
  deliveryQueue: Queue<DeliveryJobData>;
  retry: RetryPolicy;
  log: Logger;
  /** Parks deliveries whose owner or endpoint is known to refuse them now (absent: all are queued). */
  arrivals?: ArrivalParking;
  /** Makes first attempts without a job, as far as its bounds let it (absent: every one is queued). */
  inline?: InlineAttempts;
  /** Prometheus: how first attempts go (absent in some unit tests). */
  metrics?: Pick<Metrics, "firstAttempts">;
}

export interface FanoutResult {
  deliveries: number;
  skipped: number;
}

const ADD_BULK_CHUNK = 1000;

/** The id of the (event, webhook) delivery: the same on every rerun of the fan-out, beginning with the event's time. */
export function deliveryIdFor(eventId: string, webhookId: string): string {
  return namedRowId(rowIdTime(eventId), "delivery", eventId, webhookId);
}

export function createFanout(deps: FanoutProcessorDeps) {
  const { store } = deps;
  // A failed addBulk is replayed job by job (Batcher); a job id already queued is not added twice.
  const adds = new Batcher<DeliveryJob, true>(
    async (jobs) => {
      await deps.deliveryQueue.addBulk(jobs);
      return jobs.map(() => true as const);
    },
    { maxBatch: ADD_BULK_CHUNK, maxInFlight: 1 },
  );

  /** Queues the deliveries' first attempts; each one `until` is delayed until then (parked). */
  async function enqueue(deliveries: readonly { id: string; until?: Date }[]): Promise<void> {
    const now = Date.now();
    await Promise.all(
      deliveries.map(({ id, until }) => {
        const job = deliveryJob(id, deps.retry);
        return adds.submit(until === undefined ? job : { ...job, opts: { ...job.opts, delay: Math.max(1, until.getTime() - now) } });
      }),
    );
  }

  /** Fans out the event: by id, or as ingest has just stored it (pending; its match needs no load). */
  async function fanOut(stored: string | FanoutEvent): Promise<FanoutResult> {
    const eventId = typeof stored === "string" ? stored : stored.id;
    const loaded = typeof stored === "string" ? await store.load(stored) : await store.loadStored(stored);
    const event = loaded?.event;
    if (event === undefined || event.status === "rejected" || !isEventType(event.type)) {
      deps.log.warn("fan-out skipped: no deliverable event", { eventId, status: event?.status });
      return { deliveries: 0, skipped: 0 };
    }
    if (event.status !== "pending") {
      // A rerun after the rows were committed: make sure their first attempts are queued.
      const ids = await store.pendingDeliveryIds(eventId);
      await enqueue(ids.map((id) => ({ id })));
      return { deliveries: ids.length, skipped: 0 };
    }

    const webhooks = loaded?.webhooks ?? [];
    const access = new AuthorAccess(deps.accessSql);
    const decided = await Promise.all(
      webhooks.map(async (webhook) => {
        const denial = webhookFilterReason(webhook, event) ?? (await access.denial(webhook));
        return { webhook, id: deliveryIdFor(eventId, webhook.id), denial };
      }),
    );
    const deliverable = decided
      .filter((d) => d.denial === null)
      .map(({ id, webhook }) => ({ id, authorId: webhook.authorId, endpoint: webhook.endpoint }));
    // Parked ones are written with the park's end as their first attempt time, which names the park.
    const { inline } = deps;
    const queueable = inline ? (owner: string, extra: number) => inline.wouldQueue(owner, extra) : undefined;
    const plan = deps.arrivals ? deps.arrivals.plan(deliverable, Date.now(), queueable) : { now: deliverable, parked: [] };
    const parkedUntil = new Map(plan.parked.map((p) => [p.id, p.until]));
    // First attempts made here without a job are written leased (inline-attempts.ts).
    const claimed = new Map<string, { owner: string; kind: InlineClaim }>();
    if (inline)
      for (const d of plan.now) {
        const kind = inline.claim(d.authorId);
        if (kind) claimed.set(d.id, { owner: d.authorId, kind });
      }
    const leaseEnd = claimed.size > 0 ? inline?.leaseEnd() : undefined;
    const rows: NewDelivery[] = decided.map(({ webhook, id, denial }) => {
      const until = parkedUntil.get(id);
      return {
        id,
        webhookId: webhook.id,
        status: denial === null ? ("pending" as const) : ("skipped" as const),
        reason: denial,
        ...(until ? { nextAttemptAt: until } : {}),
        ...(leaseEnd && claimed.has(id) ? { leasedUntil: leaseEnd } : {}),
      };
    });
    let leased: Map<string, LeasedDelivery>;
    try {
      leased = await store.write(eventId, rows);
    } catch (err) {
      for (const { owner, kind } of claimed.values()) inline?.giveBack(owner, kind);
      throw err;
    }
    // Only the rows this write inserted leased are attempted here; any other is its job's.
    const routes = { slot: 0, wait: 0, queue: 0 };
    for (const [id, { owner, kind }] of claimed) {
      const row = leased.get(id);
      if (row) inline?.start(row, owner, kind, leaseEnd);
      else inline?.giveBack(owner, kind);
      if (row) routes[kind] += 1;
    }

    const skipped = rows.filter((r) => r.status === "skipped");
    for (const row of skipped) {
      deps.log.info("delivery skipped", { eventId, webhookId: row.webhookId, reason: row.reason });
    }
    deps.metrics?.firstAttempts.inc({ route: "inline" }, routes.slot);
    deps.metrics?.firstAttempts.inc({ route: "waited" }, routes.wait);
    deps.metrics?.firstAttempts.inc({ route: "queued" }, routes.queue);
    deps.metrics?.firstAttempts.inc({ route: "job" }, plan.now.length - leased.size);
    deps.metrics?.firstAttempts.inc({ route: "parked" }, plan.parked.length);
    // First attempts first: parked ones never stand ahead of them.
    await enqueue(leased.size === 0 ? plan.now : plan.now.filter((d) => !leased.has(d.id)));
    if (deps.arrivals && plan.parked.length > 0) {
      await enqueue(plan.parked);
      await deps.arrivals.remember(plan.parked);
    }
    return { deliveries: deliverable.length, skipped: skipped.length };
  }

  return {
    /** Fans out an event stored by this process (ingest's second half: no queue hop between them). */
    fanOut,
    /** The fan-out queue's processor: events stored by the API, and retries of failed inline fan-outs. */
    processor: (job: Job<FanoutJobData>): Promise<FanoutResult> => fanOut(job.data.eventId),
  };
}
