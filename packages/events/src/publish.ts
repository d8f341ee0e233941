// The producer SDK: validates an event against its schema and adds it to the BullMQ events
// queue in the documented job format (README, "Producing events"), so the worker's ingest is
// the only consumer a producer needs to know about.
import { createHash } from "node:crypto";
import { Queue, type ConnectionOptions, type JobsOptions } from "bullmq";
import { formatGoTime } from "./go-time.js";
import type { ContentsOf } from "./schemas.js";
import type { EventType } from "./types.js";
import { validateEventInput, type FieldError, type NormalizedEvent } from "./validate.js";

/** The BullMQ queue producers add to (the queue package's QUEUE_NAMES.ingest). */
export const EVENTS_QUEUE = "events";

/** The BullMQ key prefix of a default deployment (QUEUE_PREFIX). */
export const DEFAULT_QUEUE_PREFIX = "msrwh";

/** An event as a producer hands it in; typed per event type. */
export type PublishableEvent = {
  [T in EventType]: {
    /** Producer's id (1-200 characters): a repeat within 24 hours is dropped as a duplicate. */
    id?: string;
    type: T;
    /** When the event happened (default: now). */
    createdAt?: Date | string;
    contents: ContentsOf<T>;
    /** Envelope location; derived from the contents when absent. */
    location?: string;
  };
}[EventType];

/** The data of one events-queue job; the job's name is `type`. */
export type EventJobData = NormalizedEvent;

export interface PublishOptions {
  /** BullMQ key prefix of the deployment (its QUEUE_PREFIX); default "msrwh". */
  prefix?: string;
}

export interface PublishedEvent {
  /** The BullMQ job id. */
  jobId: string;
  /** What was enqueued: the event with createdAt (and location, where derivable) filled in. */
  event: EventJobData;
}

/** Thrown before anything is enqueued; `index` is the failing event's position in a batch. */
export class InvalidEventError extends Error {
  constructor(
    readonly errors: FieldError[],
    readonly index?: number,
  ) {
    const where = index === undefined ? "" : `event ${index}: `;
    super(`invalid event: ${where}${errors.map((e) => `${e.field || "event"} ${e.message}`).join("; ")}`);
    this.name = "InvalidEventError";
  }
}

/** Job options of an event job: BullMQ's dedupe on a producer id, nothing kept once done. */
export function eventJobOptions(event: { id?: string }): JobsOptions {
  const options: JobsOptions = { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } };
  if (event.id !== undefined) options.jobId = eventJobId(event.id);
  return options;
}

/**
 * The job id for a producer id: a hash, because producer ids may hold ':' (BullMQ's key
 * separator) and may be long. Only saves work while the job exists; the worker's 24-hour
 * dedupe on the id is the real guard.
 */
export function eventJobId(producerId: string): string {
  return `event-${createHash("sha256").update(producerId).digest("hex")}`;
}

// One Queue per connection and prefix: a Queue holds Redis state and should be reused.
const queues = new WeakMap<object, Map<string, Queue>>();
// Every cached queue with its cache key, so that closing all of them can clean the WeakMap.
const open = new Map<Queue, { connection: object; prefix: string }>();

function queueFor(connection: ConnectionOptions, prefix: string): Queue {
  let byPrefix = queues.get(connection);
  if (byPrefix === undefined) {
    byPrefix = new Map();
    queues.set(connection, byPrefix);
  }
  let queue = byPrefix.get(prefix);
  if (queue === undefined) {
    queue = new Queue(EVENTS_QUEUE, { connection, prefix });
    byPrefix.set(prefix, queue);
    open.set(queue, { connection, prefix });
  }
  return queue;
}

function normalize(event: PublishableEvent, index?: number): EventJobData {
  const input =
    event.createdAt instanceof Date ? { ...event, createdAt: formatGoTime(event.createdAt) } : event;
  const result = validateEventInput(input);
  if (!result.ok) throw new InvalidEventError(result.errors, index);
  return result.event;
}

/** Validates one event and adds it to the events queue. Throws InvalidEventError when invalid. */
export async function publishEvent(
  connection: ConnectionOptions,
  event: PublishableEvent,
  options: PublishOptions = {},
): Promise<PublishedEvent> {
  const data = normalize(event);
  const queue = queueFor(connection, options.prefix ?? DEFAULT_QUEUE_PREFIX);
  const job = await queue.add(data.type, data, eventJobOptions(data));
  return { jobId: String(job.id), event: data };
}

/**
 * Validates every event, then adds them all with one addBulk. One invalid event rejects the
 * whole batch (InvalidEventError with its index) and nothing is enqueued.
 */
export async function publishEvents(
  connection: ConnectionOptions,
  events: readonly PublishableEvent[],
  options: PublishOptions = {},
): Promise<PublishedEvent[]> {
  const data = events.map((e, i) => normalize(e, i));
  if (data.length === 0) return [];
  const queue = queueFor(connection, options.prefix ?? DEFAULT_QUEUE_PREFIX);
  const jobs = await queue.addBulk(data.map((d) => ({ name: d.type, data: d, opts: eventJobOptions(d) })));
  return data.map((event, i) => ({ jobId: String(jobs[i]?.id), event }));
}

/**
 * Closes the cached queues of a connection, or every cached queue when none is given. A
 * connection the caller passed as an ioredis instance stays open: it is the caller's.
 */
export async function closePublisher(connection?: ConnectionOptions): Promise<void> {
  let targets: Queue[];
  if (connection === undefined) {
    targets = [...open.keys()];
  } else {
    targets = [...(queues.get(connection)?.values() ?? [])];
    queues.delete(connection);
  }
  for (const q of targets) {
    const key = open.get(q);
    if (key !== undefined) queues.get(key.connection)?.delete(key.prefix);
    open.delete(q);
  }
  await Promise.all(targets.map((q) => q.close()));
}
