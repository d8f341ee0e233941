// Stores an event in PostgreSQL (the record of what must be delivered) and queues its
// fan-out job. Used by every API path that produces events (repository changes, HTTP
// ingest, registry notifications). If the enqueue fails after the commit, the worker's
// reconciler finds the pending event and queues it. Storing, the producer-id dedupe window and
// the fan-out job are the ones the worker's ingest uses (packages/db event-store, packages/queue
// fanout-job): an event is stored the same way whichever way it came in.
import { newRowId } from "@msr-webhooks/db/row-ids";
import type { Queue } from "bullmq";
import type { PrismaClient, Prisma } from "@msr-webhooks/db/client";
import { DEFAULT_PRODUCER_DEDUPE_WINDOW_MS, storeEvents, type EventRow } from "@msr-webhooks/db/event-store";
import { prismaRunner } from "@msr-webhooks/db/sql-runner";
import { locationOf, scopeOf } from "@msr-webhooks/events/envelope";
import { formatGoTime, nowGoTime } from "@msr-webhooks/events/go-time";
import type { EventType } from "@msr-webhooks/events/types";
import type { Metrics } from "@msr-webhooks/observability/metrics";
import { fanoutJob } from "@msr-webhooks/queue/fanout-job";
import type { FanoutJobData } from "@msr-webhooks/queue/names";
import type { Logger } from "winston";

export interface NewEvent {
  type: EventType;
  contents: object;
  /**
   * When it happened: a producer's time in Go's form (validateEventInput's createdAt, delivered with
   * every digit given), or a Date; default now, to the microsecond.
   */
  createdAt?: Date | string;
  location?: string;
  source: "api" | "http" | "distribution" | "queue";
  producerId?: string;
}

export interface RecordedEvent {
  id: string;
  /** True when an event with the same producer id was received within the dedupe window. */
  duplicate: boolean;
}

/** A repeat of a producer id within this window is a duplicate (delivery.md, Producers). */
export const DUPLICATE_WINDOW_MS = DEFAULT_PRODUCER_DEDUPE_WINDOW_MS;

type Db = PrismaClient | Prisma.TransactionClient;

export class EventRecorder {
  constructor(
    private readonly db: PrismaClient,
    private readonly fanoutQueue: Queue<FanoutJobData>,
    private readonly log: Logger,
    private readonly metrics?: Pick<Metrics, "eventsReceived">,
    /** PRODUCER_DEDUPE_WINDOW, as the worker's ingest has it. */
    private readonly dedupeWindowMs = DEFAULT_PRODUCER_DEDUPE_WINDOW_MS,
  ) {}

  async record(event: NewEvent): Promise<string> {
    const [result] = await this.insertMany(this.db, [event]);
    this.count([event]);
    if (result !== undefined && !result.duplicate) await this.enqueue([result.id]);
    return result?.id ?? "";
  }

  /**
   * Stores the events in one transaction (all or none), skipping duplicates of a producer id,
   * then queues the fan-out of the new ones. Results are in input order.
   */
  async recordMany(events: readonly NewEvent[]): Promise<RecordedEvent[]> {
    const results = await this.db.$transaction((tx) => this.insertMany(tx, events));
    await this.publish(results, events);
    return results;
  }

  /**
   * The insert half of recordMany, inside the caller's transaction (which may write other rows
   * with the events); the caller calls publish() after the commit.
   */
  async insertMany(tx: Db, events: readonly NewEvent[]): Promise<RecordedEvent[]> {
    const receivedAt = new Date();
    const stored = await storeEvents(prismaRunner(tx), events.map((e) => rowOf(newRowId(receivedAt.getTime()), e, receivedAt)), this.dedupeWindowMs);
    return stored.map((r) => ({ id: r.id, duplicate: r.outcome === "duplicate" }));
  }

  /**
   * Queues the fan-out of the events just stored (duplicates were fanned out the first time) and
   * counts them as received; `events` are the inputs of insertMany, in the same order.
   */
  async publish(results: readonly RecordedEvent[], events: readonly NewEvent[]): Promise<void> {
    this.count(events);
    const ids = results.filter((r) => !r.duplicate).map((r) => r.id);
    if (ids.length > 0) await this.enqueue(ids);
  }

  // Counted once committed: an event whose transaction failed was not received.
  private count(events: readonly NewEvent[]): void {
    for (const e of events) this.metrics?.eventsReceived.inc({ type: e.type, source: e.source });
  }

  private async enqueue(eventIds: string[]): Promise<void> {
    try {
      await this.fanoutQueue.addBulk(eventIds.map((eventId) => fanoutJob(eventId)));
    } catch (err) {
      // The rows are committed: the reconciler will queue them; the caller's request succeeds.
      this.log.warn("fan-out enqueue failed; left for the reconciler", {
        eventIds,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

function rowOf(id: string, event: NewEvent, receivedAt: Date): EventRow {
  const scope = scopeOf(event.type, event.contents);
  const location = event.location ?? locationOf(event.type, event.contents);
  const createdAtText =
    event.createdAt === undefined ? nowGoTime() : typeof event.createdAt === "string" ? event.createdAt : formatGoTime(event.createdAt);
  return {
    id,
    type: event.type,
    source: event.source,
    producerId: event.producerId ?? null,
    createdAt: new Date(createdAtText),
    createdAtText,
    receivedAt,
    contents: event.contents,
    location: location ?? null,
    namespace: scope.namespace,
    repository: scope.repository,
    status: "pending",
    reason: null,
  };
}
