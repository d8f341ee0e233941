// Counts what the ingest processor made of each producer job from the BullMQ `events` queue:
// received (stored, or a duplicate of a producer id) or rejected (broke its schema), by type,
// with source "queue". A decorator, so the processor itself stays about storing events.
import type { Job } from "bullmq";
import { eventTypeLabel, type Metrics } from "@msr-webhooks/observability/metrics";
import type { IngestResult } from "./ingest.processor.js";

export type IngestMetrics = Pick<Metrics, "eventsReceived" | "eventsRejected">;

type IngestProcessor = (job: Job, token?: string) => Promise<IngestResult>;

/** The event type a producer job claims: `data.type`, else the job name (publishEvent uses both). */
function claimedType(job: Job): unknown {
  const data: unknown = job.data;
  if (typeof data === "object" && data !== null && typeof (data as { type?: unknown }).type === "string") {
    return (data as { type: string }).type;
  }
  return job.name;
}

export function meteredIngest(processor: IngestProcessor, metrics: IngestMetrics): IngestProcessor {
  return async (job, token) => {
    const result = await processor(job, token);
    const labels = { type: eventTypeLabel(claimedType(job)), source: "queue" };
    if (result.outcome === "rejected") metrics.eventsRejected.inc(labels);
    else metrics.eventsReceived.inc(labels);
    return result;
  };
}
