// Queue names, job payload types and deterministic job ids. Jobs carry ids, never
// payloads — except the ingest queue, whose jobs are producers' raw events.

export const QUEUE_NAMES = {
  /** Producers' raw events (publishEvent / any BullMQ client): job name = event type. */
  ingest: "events",
  /** One job per stored event: find subscriptions, write delivery rows. */
  fanout: "fanout",
  /** One job per delivery row: one attempt each time it runs. */
  delivery: "deliveries",
  /** Repeatable reconcile and retention jobs. */
  maintenance: "maintenance",
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export interface FanoutJobData {
  eventId: string;
}

export interface DeliveryJobData {
  deliveryId: string;
}

export type MaintenanceJobName = "reconcile" | "purge";

// BullMQ job ids must not contain ':' (it is Redis' key separator for BullMQ).
export function fanoutJobId(eventId: string): string {
  return `fanout-${eventId}`;
}

export function deliveryJobId(deliveryId: string, generation = 0): string {
  return generation === 0 ? `delivery-${deliveryId}` : `delivery-${deliveryId}-r${generation}`;
}
