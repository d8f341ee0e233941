// Stores an event in PostgreSQL (the record of what must be delivered) and queues its
// fan-out job. Used by every API path that produces events (repository changes, HTTP
// ingest, registry notifications). If the enqueue fails after the commit, the worker's
// reconciler finds the pending event and queues it. A producer's id is deduplicated: a
// repeat within 24 hours returns the first event instead of storing a second one.
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { PrismaClient, Prisma } from "@msr-webhooks/db/client";
import { pgText, pgValue } from "@msr-webhooks/db/db-text";
import { locationOf, scopeOf } from "@msr-webhooks/events/envelope";
import { formatGoTime, nowGoTime } from "@msr-webhooks/events/go-time";
import type { EventType } from "@msr-webhooks/events/types";
import type { Metrics } from "@msr-webhooks/observability/metrics";
import { fanoutJobId, type FanoutJobData } from "@msr-webhooks/queue/names";
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
  /** True when an event with the same producer id was received within the last 24 hours. */
  duplicate: boolean;
}

/** A repeat of a producer id within this window is a duplicate (delivery.md, Producers). */
export const DUPLICATE_WINDOW_MS = 24 * 60 * 60 * 1000;

type Db = PrismaClient | Prisma.TransactionClient;

export class EventRecorder {
  constructor(
    private readonly db: PrismaClient,
    private readonly fanoutQueue: Queue<FanoutJobData>,
    private readonly log: Logger,
    private readonly metrics?: Pick<Metrics, "eventsReceived">,
  ) {}

  async record(event: NewEvent): Promise<string> {
    const id = randomUUID();
    await this.db.event.create({ data: rowOf(id, event) });
    this.count([event]);
    await this.enqueue(id);
    return id;
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
  async insertMany(tx: Db, input: readonly NewEvent[]): Promise<RecordedEvent[]> {
    const events = input.map((e) => (e.producerId === undefined ? e : { ...e, producerId: pgText(e.producerId) }));
    const producerIds = [...new Set(events.flatMap((e) => (e.producerId === undefined ? [] : [e.producerId])))];
    const known = new Map<string, string>();
    if (producerIds.length > 0) {
      const existing = await tx.event.findMany({
        where: { producerId: { in: producerIds } },
        select: { id: true, producerId: true, receivedAt: true },
      });
      const expired: string[] = [];
      for (const row of existing) {
        if (row.producerId === null) continue;
        if (row.receivedAt.getTime() > Date.now() - DUPLICATE_WINDOW_MS) known.set(row.producerId, row.id);
        else expired.push(row.id);
      }
      // Past the window the id may be used again: the old event keeps its row, not the id.
      if (expired.length > 0) await tx.event.updateMany({ where: { id: { in: expired } }, data: { producerId: null } });
    }
    const results: RecordedEvent[] = [];
    const rows: Prisma.EventCreateManyInput[] = [];
    for (const event of events) {
      const first = event.producerId === undefined ? undefined : known.get(event.producerId);
      if (first !== undefined) {
        results.push({ id: first, duplicate: true });
        continue;
      }
      const id = randomUUID();
      if (event.producerId !== undefined) known.set(event.producerId, id);
      rows.push(rowOf(id, event));
      results.push({ id, duplicate: false });
    }
    if (rows.length === 0) return results;
    // A concurrent request may have stored the same producer id since the lookup: its row wins.
    await tx.event.createMany({ data: rows, skipDuplicates: true });
    const racing = rows.flatMap((r) => (typeof r.producerId === "string" ? [r.producerId] : []));
    if (racing.length === 0) return results;
    const stored = await tx.event.findMany({ where: { producerId: { in: racing } }, select: { id: true, producerId: true } });
    const winner = new Map(stored.flatMap((r) => (r.producerId === null ? [] : [[r.producerId, r.id] as const])));
    return results.map((r, i) => {
      const producerId = events[i]?.producerId;
      const id = producerId === undefined ? undefined : winner.get(producerId);
      return !r.duplicate && id !== undefined && id !== r.id ? { id, duplicate: true } : r;
    });
  }

  /**
   * Queues the fan-out of the events just stored (duplicates were fanned out the first time) and
   * counts them as received; `events` are the inputs of insertMany, in the same order.
   */
  async publish(results: readonly RecordedEvent[], events: readonly NewEvent[]): Promise<void> {
    this.count(events);
    const ids = results.filter((r) => !r.duplicate).map((r) => r.id);
    if (ids.length > 0) await this.enqueueMany(ids);
  }

  // Counted once committed: an event whose transaction failed was not received.
  private count(events: readonly NewEvent[]): void {
    for (const e of events) this.metrics?.eventsReceived.inc({ type: e.type, source: e.source });
  }

  private async enqueue(eventId: string): Promise<void> {
    try {
      await this.fanoutQueue.add("fanout", { eventId }, { jobId: fanoutJobId(eventId), removeOnComplete: true, removeOnFail: 1000 });
    } catch (err) {
      // The row is committed: the reconciler will queue it; the caller's request succeeds.
      this.log.warn("fan-out enqueue failed; left for the reconciler", {
        eventId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }

  private async enqueueMany(eventIds: string[]): Promise<void> {
    try {
      await this.fanoutQueue.addBulk(
        eventIds.map((eventId) => ({
          name: "fanout",
          data: { eventId },
          opts: { jobId: fanoutJobId(eventId), removeOnComplete: true, removeOnFail: 1000 },
        })),
      );
    } catch (err) {
      this.log.warn("fan-out enqueue failed; left for the reconciler", {
        eventIds,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

function rowOf(id: string, event: NewEvent): Prisma.EventCreateManyInput {
  const scope = scopeOf(event.type, event.contents);
  const location = event.location ?? locationOf(event.type, event.contents);
  const createdAtText =
    event.createdAt === undefined ? nowGoTime() : typeof event.createdAt === "string" ? event.createdAt : formatGoTime(event.createdAt);
  return {
    id,
    type: event.type,
    source: event.source,
    producerId: event.producerId === undefined ? null : pgText(event.producerId),
    createdAt: new Date(createdAtText),
    createdAtText,
    // A json column: the text Prisma writes (JSON.stringify, the producer's key order) is what is delivered.
    contents: pgValue(event.contents) as Prisma.InputJsonObject,
    location: location === undefined ? null : pgText(location),
    namespace: scope.namespace,
    repository: scope.repository,
  };
}
