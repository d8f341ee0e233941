// The Prometheus metrics of both apps, defined once: each process builds one set on its own
// registry (tests build several in one process) and says which sources it can read on a scrape
// (queues, the database, the circuit breaker). Names start with `msrwh_`; every series carries
// the `service` label (api or worker). Label values are bounded: an unknown event type is "invalid".
import { isEventType } from "@msr-webhooks/events/types";
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import type { DeliveryStatus } from "@msr-webhooks/events/statuses";

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Where an event came from: repository changes in the API, POST /events, the registry, the BullMQ queue. */
export type EventSource = "api" | "http" | "distribution" | "queue";

/** What became of one delivery job run. */
export type DeliveryOutcome = Exclude<DeliveryStatus, "pending">;

/** The BullMQ job states whose counts are exported per queue. */
// "prioritized" is BullMQ's lane for jobs with a priority: retries and deferred attempts that are due
// run from it (delivery.processor.ts), so it is backlog as much as "waiting" is.
export const QUEUE_STATES = ["waiting", "prioritized", "delayed", "failed", "active"] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

/** The part of a BullMQ Queue the depth gauge reads. */
export interface QueueLike {
  name: string;
  getJobCounts(...types: QueueState[]): Promise<Record<string, number>>;
}

/** What a process can read when it is scraped; each source is optional. */
export interface MetricsSources {
  queues?: readonly QueueLike[];
  /** False while the queues' Redis connection is down: the depths are then left out, not waited for. */
  queuesReady?: () => boolean;
  /** A cheap COUNT of webhooks the system disabled (410 Gone, or no success for too long). */
  countDisabledWebhooks?: () => Promise<number>;
  /**
   * The seam for the circuit breaker: the number of endpoints whose circuit is open (a breaker
   * kept in Redis may answer asynchronously). Without a provider the gauge stays 0.
   */
  openCircuits?: () => number | Promise<number>;
}

export interface MetricsOptions {
  service: string;
  sources?: MetricsSources;
  /** How long a scrape waits for a source (queue counts, the COUNT query); default 1000 ms. */
  sourceTimeoutMs?: number;
  /** Default process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

export interface Metrics {
  registry: Registry;
  eventsReceived: Counter<"type" | "source">;
  eventsRejected: Counter<"type" | "source">;
  deliveries: Counter<"outcome" | "type">;
  attemptDuration: Histogram<"outcome" | "type">;
  deliveryLatency: Histogram<"type">;
  firstAttempts: Counter<"route">;
  queueJobs: Gauge<"queue" | "state">;
  openCircuits: Gauge;
  disabledWebhooks: Gauge;
  /** Sets or replaces sources after construction (the composition root builds them in any order). */
  setSources(sources: MetricsSources): void;
  /** The text exposition of every metric. */
  text(): Promise<string>;
}

/** One registry's metrics as data (Registry.getMetricsAsJSON), e.g. to send from a worker thread. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The text exposition of several registries of one process (its threads), each series summed
 * across them: counters and histograms add up; a gauge is reported by one of them only.
 */
export async function aggregatedText(snapshots: readonly MetricsSnapshot[]): Promise<string> {
  return AggregatorRegistry.aggregate([...snapshots]).metrics();
}

/** A bounded label for an event type: the type when it is one of ours, else "invalid". */
export function eventTypeLabel(type: unknown): string {
  return isEventType(type) ? type : "invalid";
}

const ATTEMPT_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];
// From a local receiver (tens of ms) to the last retries of the default schedule (about 28 hours).
const LATENCY_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 7200, 18000, 36000, 86400, 172800];

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  const timeoutMs = options.sourceTimeoutMs ?? 1000;
  let sources: MetricsSources = { ...options.sources };
  const registers = [registry];

  const eventsReceived = new Counter({
    name: "msrwh_events_received_total",
    help: "Valid events that entered the system (duplicates of a producer id included), by type and source.",
    labelNames: ["type", "source"] as const,
    registers,
  });
  const eventsRejected = new Counter({
    name: "msrwh_events_rejected_total",
    help: "Events refused because they break their schema (never delivered), by type and source.",
    labelNames: ["type", "source"] as const,
    registers,
  });
  const deliveries = new Counter({
    name: "msrwh_deliveries_total",
    help: "Delivery job runs by outcome (succeeded, retrying, failed, skipped) and event type.",
    labelNames: ["outcome", "type"] as const,
    registers,
  });
  const attemptDuration = new Histogram({
    name: "msrwh_delivery_attempt_duration_seconds",
    help: "Duration of one HTTP delivery attempt, by outcome and event type.",
    labelNames: ["outcome", "type"] as const,
    buckets: ATTEMPT_BUCKETS_S,
    registers,
  });
  const deliveryLatency = new Histogram({
    name: "msrwh_delivery_latency_seconds",
    help: "From the event's createdAt (its publication) to the end of its successful attempt, by event type.",
    labelNames: ["type"] as const,
    buckets: LATENCY_BUCKETS_S,
    registers,
  });
  const firstAttempts = new Counter({
    name: "msrwh_first_attempts_total",
    help: "Deliveries the fan-out wrote, by how their first attempt goes: inline (made by the fan-out without a job), waited (the same, after waiting in process for its owner's next slot), queued (the same, queued in process behind its owner's other attempts), job, or parked (on arrival); wait_expired: inline, waited or queued ones that got no slot in time and were handed to their job.",
    labelNames: ["route"] as const,
    registers,
  });
  const queueJobs = new Gauge({
    name: "msrwh_queue_jobs",
    help: "BullMQ jobs per queue and state (waiting, delayed, failed, active), read on each scrape.",
    labelNames: ["queue", "state"] as const,
    registers,
    async collect() {
      this.reset();
      const queues = sources.queues ?? [];
      if (queues.length === 0 || sources.queuesReady?.() === false) return;
      await Promise.all(
        queues.map(async (queue) => {
          try {
            const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), timeoutMs);
            for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch {
            // Left out of this scrape: a gap in the series says more than a stale number.
          }
        }),
      );
    },
  });
  const openCircuits = new Gauge({
    name: "msrwh_open_circuits",
    help: "Endpoints whose circuit breaker is open (0 while no breaker reports).",
    registers,
    async collect() {
      const count = sources.openCircuits;
      if (count === undefined) {
        this.set(0);
        return;
      }
      try {
        this.set(await withTimeout(Promise.resolve().then(count), timeoutMs));
      } catch {
        this.set(Number.NaN);
      }
    },
  });
  const disabledWebhooks = new Gauge({
    name: "msrwh_webhooks_disabled",
    help: "Webhooks the system disabled (410 Gone, or no success for the auto-disable period), read on each scrape.",
    registers,
    async collect() {
      const count = sources.countDisabledWebhooks;
      if (count === undefined) return;
      try {
        this.set(await withTimeout(count(), timeoutMs));
      } catch {
        // NaN, not 0: "unknown" must not read as "none disabled".
        this.set(Number.NaN);
      }
    },
  });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  return {
    registry,
    eventsReceived,
    eventsRejected,
    deliveries,
    attemptDuration,
    deliveryLatency,
    firstAttempts,
    queueJobs,
    openCircuits,
    disabledWebhooks,
    setSources(next) {
      sources = { ...sources, ...next };
    },
    text: () => registry.metrics(),
  };
}

/** The SQL of the disabled-webhooks gauge, shared so both apps count the same rows. */
export const DISABLED_WEBHOOKS_SQL = `SELECT count(*)::int AS n FROM "Webhook" WHERE inactive AND "disabledAt" IS NOT NULL`;

/** Runs DISABLED_WEBHOOKS_SQL through a function that resolves with the rows of a SQL text. */
export function disabledWebhooksCounter(query: (sql: string) => Promise<unknown>): () => Promise<number> {
  return async () => {
    const rows = (await query(DISABLED_WEBHOOKS_SQL)) as { n: number }[];
    return Number(rows[0]?.n ?? 0);
  };
}
