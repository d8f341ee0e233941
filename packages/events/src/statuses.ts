// The states a stored event and a delivery go through, as the Event and Delivery tables' `status`
// columns hold them (text columns: these lists are the only place the values are named). Here, in
// the events package, because every app and package already depends on it (the observability
// package's metric labels are delivery statuses too), where packages/db would pull Prisma into them.
// The lifecycle is described in docs/architecture.md.

/** An event: pending (stored, not yet fanned out), fanned_out (its deliveries exist), rejected (invalid). */
export const EVENT_STATUSES = ["pending", "fanned_out", "rejected"] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/**
 * A delivery: pending (no attempt yet), retrying (an attempt failed, another is due), succeeded,
 * failed (gave up, or a permanent failure), skipped (its webhook was inactive before any attempt).
 */
export const DELIVERY_STATUSES = ["pending", "retrying", "succeeded", "failed", "skipped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Statuses of a delivery that still owes an attempt. */
export const OPEN_DELIVERY_STATUSES = ["pending", "retrying"] as const satisfies readonly DeliveryStatus[];
/** Statuses of a delivery that is over: nothing changes it any more (but a redeliver or recover). */
export const FINISHED_DELIVERY_STATUSES = ["succeeded", "failed", "skipped"] as const satisfies readonly DeliveryStatus[];
export type OpenDeliveryStatus = (typeof OPEN_DELIVERY_STATUSES)[number];
export type FinishedDeliveryStatus = (typeof FINISHED_DELIVERY_STATUSES)[number];

/** What an attempt leaves a delivery as. */
export type AttemptedDeliveryStatus = Exclude<DeliveryStatus, "pending" | "skipped">;

export function isFinishedDeliveryStatus(status: string): status is FinishedDeliveryStatus {
  return (FINISHED_DELIVERY_STATUSES as readonly string[]).includes(status);
}
