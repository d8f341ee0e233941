// Producers' events from the BullMQ `events` queue: validated against their schema; an invalid one
// is stored as rejected (with the reason) and never delivered; a producer id seen within the
// duplicate window is dropped; a valid one is stored and fanned out in the same job (no queue hop
// between them). If that fan-out fails, its fan-out job is queued instead, which retries it; if the
// worker dies in between, the job's rerun finds the event pending and fans it out again, and the
// reconciler queues the fan-out of any event left pending.
import { DelayedError, type Job, type Queue } from "bullmq";
import { scopeOf } from "@msr-webhooks/events/envelope";
import { validateEventInput, type FieldError } from "@msr-webhooks/events/validate";
import type { FanoutJobData } from "@msr-webhooks/queue/names";
import type { Logger } from "winston";
import { fanoutJob } from "@msr-webhooks/queue/fanout-job";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { namedRowId } from "@msr-webhooks/db/row-ids";
import type { FanoutEvent } from "../fanout/fanout.repository.js";
import type { NewEventRow } from "./event.repository.js";
import type { IngestStore } from "./ingest-store.js";

export interface IngestProcessorDeps {
  events: IngestStore;
  fanoutQueue: Queue<FanoutJobData>;
  /** Fans out a stored event in this process (by id, or as just stored); absent: every fan-out goes through the queue. */
  fanOut?: (event: string | FanoutEvent) => Promise<unknown>;
  log: Logger;
  producerDedupeWindowMs: number;
}

export interface IngestResult {
  outcome: "accepted" | "rejected" | "duplicate";
  eventId: string;
  /** Why the event was rejected (also stored on its row): the producer sees it as the job's return value. */
  reason?: string;
}

/** A rejected event keeps its contents for inspection, unless they are this large (JSON characters). */
const MAX_REJECTED_CONTENTS = 64 * 1024;

/** Infrastructure failures are retried this many times (with growing delays) before the job fails visibly. */
const MAX_STARTS = 20;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function formatFieldErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field === "" ? "event" : e.field}: ${e.message}`).join("; ");
}

/**
 * The stored event's id, derived from the job so that a job retried after a crash writes the same
 * row instead of a second event (the creation time keeps it unique even if Redis restarts its ids).
 */
export function eventIdForJob(job: Pick<Job, "queueQualifiedName" | "id" | "timestamp">): string {
  return namedRowId(job.timestamp, "ingest", job.queueQualifiedName, String(job.id), String(job.timestamp));
}

export function createIngestProcessor(deps: IngestProcessorDeps) {
  const { events, log } = deps;

  async function queueFanout(eventId: string): Promise<void> {
    const { name, data, opts } = fanoutJob(eventId);
    await deps.fanoutQueue.add(name, data, opts);
  }

  /** Fans the stored event out here; when that fails, its fan-out job takes over (with its retries). */
  async function fanOut(event: string | FanoutEvent): Promise<void> {
    const eventId = typeof event === "string" ? event : event.id;
    if (deps.fanOut === undefined) return queueFanout(eventId);
    try {
      await deps.fanOut(event);
    } catch (err) {
      log.warn("fan-out after ingest failed; queued as a fan-out job", { eventId, error: errorMessage(err) });
      await queueFanout(eventId);
    }
  }

  async function reject(job: Job, eventId: string, errors: readonly FieldError[], receivedAt: Date): Promise<IngestResult> {
    const data: unknown = job.data;
    const rawType = isPlainObject(data) && typeof data.type === "string" ? data.type : job.name;
    const reason = formatFieldErrors(errors);
    const contents = isPlainObject(data) && isPlainObject(data.contents) ? data.contents : {};
    await events.store(
      {
        id: eventId,
        producerId: null,
        type: rawType.slice(0, 200),
        createdAt: receivedAt,
        createdAtText: null,
        receivedAt,
        contents: JSON.stringify(contents).length <= MAX_REJECTED_CONTENTS ? contents : {},
        location: null,
        namespace: "",
        repository: "",
        status: "rejected",
        reason,
      },
      deps.producerDedupeWindowMs,
    );
    log.warn("event rejected", { eventId, jobId: job.id, type: rawType.slice(0, 200), reason });
    return { outcome: "rejected", eventId, reason };
  }

  async function store(row: NewEventRow): Promise<IngestResult> {
    const result = await events.store(row, deps.producerDedupeWindowMs);
    switch (result.outcome) {
      case "stored":
        await fanOut({
          id: row.id,
          type: row.type,
          contents: row.contents,
          namespace: row.namespace,
          repository: row.repository,
          status: row.status,
          namespaceId: result.namespaceId,
          repositoryId: result.repositoryId,
        });
        return { outcome: "accepted", eventId: row.id };
      case "exists":
        // This job ran before and stored its event; make sure it is fanned out.
        if (result.status === "pending") await fanOut(row.id);
        return { outcome: result.status === "rejected" ? "rejected" : "accepted", eventId: row.id };
      case "duplicate":
        log.info("duplicate event dropped", { producerId: row.producerId, firstEventId: result.id });
        return { outcome: "duplicate", eventId: result.id };
    }
  }

  async function ingest(job: Job): Promise<IngestResult> {
    const receivedAt = new Date();
    const eventId = eventIdForJob(job);
    // Without a producer's createdAt the event gets now to the microsecond (nowGoTime), as MSR's times have.
    const validation = validateEventInput(job.data);
    if (!validation.ok) return reject(job, eventId, validation.errors, receivedAt);
    const event = validation.event;
    const scope = scopeOf(event.type, event.contents);
    return store({
      id: eventId,
      producerId: event.id ?? null,
      type: event.type,
      createdAt: new Date(event.createdAt),
      createdAtText: event.createdAt,
      receivedAt,
      contents: event.contents,
      location: event.location ?? null,
      namespace: scope.namespace,
      repository: scope.repository,
      status: "pending",
      reason: null,
    });
  }

  return async function processIngest(job: Job, token?: string): Promise<IngestResult> {
    try {
      return await ingest(job);
    } catch (err) {
      // A producer's job may allow a single attempt; an outage must not cost it its event.
      if (job.attemptsStarted >= MAX_STARTS) throw err;
      const delayMs = Math.min(60_000, 250 * 2 ** job.attemptsStarted);
      log.error("event ingest failed; retrying", { jobId: job.id, error: errorMessage(err), delayMs });
      await job.moveToDelayed(Date.now() + delayMs, token);
      throw new DelayedError();
    }
  };
}
