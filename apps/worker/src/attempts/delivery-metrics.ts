// What one delivery job run tells Prometheus: its outcome, how long the HTTP attempt took, and,
// on success, how long the event took from its creation to the end of this attempt. Pure
// bookkeeping over the shared metric definitions (@msr-webhooks/observability/metrics).
import { eventTypeLabel, type DeliveryOutcome, type Metrics } from "@msr-webhooks/observability/metrics";
import type { DeliveryDecision } from "./delivery-decision.js";
import type { UnattemptedEnd } from "./delivery.repository.js";

export type DeliveryMetrics = Pick<Metrics, "deliveries" | "attemptDuration" | "deliveryLatency">;

export interface AttemptObservation {
  eventType: string;
  eventCreatedAt: Date;
  decision: DeliveryDecision["kind"];
  /** The webhook went inactive with this attempt: a retry becomes a final failure. */
  webhookInactive: boolean;
  durationMs: number;
  endedAt: Date;
}

export function attemptOutcome(decision: DeliveryDecision["kind"], webhookInactive: boolean): DeliveryOutcome {
  if (decision === "succeeded") return "succeeded";
  if (decision === "retry" && !webhookInactive) return "retrying";
  return "failed";
}

export function observeAttempt(metrics: DeliveryMetrics | undefined, o: AttemptObservation): void {
  if (metrics === undefined) return;
  const type = eventTypeLabel(o.eventType);
  const outcome = attemptOutcome(o.decision, o.webhookInactive);
  metrics.deliveries.inc({ outcome, type });
  metrics.attemptDuration.observe({ outcome, type }, o.durationMs / 1000);
  if (outcome === "succeeded") {
    metrics.deliveryLatency.observe({ type }, Math.max(0, o.endedAt.getTime() - o.eventCreatedAt.getTime()) / 1000);
  }
}

/** A delivery ended without an attempt (its webhook is inactive). */
export function observeUnattempted(metrics: DeliveryMetrics | undefined, eventType: string, status: UnattemptedEnd): void {
  metrics?.deliveries.inc({ outcome: status, type: eventTypeLabel(eventType) });
}
