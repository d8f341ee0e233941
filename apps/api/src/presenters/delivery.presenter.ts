// Delivery rows as the delivery log shows them: times as Go prints them, a time that is not set
// left out (not the zero time, which a client could mistake for a real date), the envelope a
// delivery sends rebuilt exactly as the worker builds it.
import type { DeliveryAttempt, Prisma } from "@msr-webhooks/db/client";
import { buildEnvelope } from "@msr-webhooks/events/envelope";
import { formatGoTime } from "@msr-webhooks/events/go-time";
import type { EventType } from "@msr-webhooks/events/types";
import type {
  AttemptView,
  DeliveryDetailView,
  DeliveryPageView,
  DeliveryStatus,
  DeliveryView,
} from "../schemas/delivery.schemas.js";
import type { DeliveryDetailRow, DeliveryRow } from "../services/deliveries.repository.js";
import type { DeliveryPage } from "../services/deliveries.service.js";

function stringRecord(value: Prisma.JsonValue): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) if (typeof v === "string") out[name] = v;
  return out;
}

export function presentAttempt(a: DeliveryAttempt): AttemptView {
  const view: AttemptView = {
    number: a.number,
    trigger: a.trigger,
    startedAt: formatGoTime(a.startedAt),
    durationMs: a.durationMs,
    statusCode: a.statusCode,
    responseHeaders: stringRecord(a.responseHeaders),
    responseBody: a.responseBody,
    errorKind: a.errorKind,
    errorMessage: a.errorMessage,
  };
  if (a.nextAttemptAt !== null) view.nextAttemptAt = formatGoTime(a.nextAttemptAt);
  return view;
}

export function presentDelivery(d: DeliveryRow & { attempts: DeliveryAttempt[] }): DeliveryView {
  const view: DeliveryView = {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    // The worker writes only these statuses.
    status: d.status as DeliveryStatus,
    reason: d.reason,
    attemptCount: d.attemptCount,
    createdAt: formatGoTime(d.createdAt),
    updatedAt: formatGoTime(d.updatedAt),
    attempts: d.attempts.map(presentAttempt),
  };
  if (d.nextAttemptAt !== null) view.nextAttemptAt = formatGoTime(d.nextAttemptAt);
  return view;
}

export function presentDeliveryPage(page: DeliveryPage): DeliveryPageView {
  return { deliveries: page.deliveries.map(presentDelivery), nextCursor: page.nextCursor };
}

export function presentDeliveryDetail(d: DeliveryDetailRow): DeliveryDetailView {
  const payload = buildEnvelope({
    // Only validated events are stored as deliverable, so the type is one of ours.
    type: d.event.type as EventType,
    createdAt: d.event.createdAt,
    contents: d.event.contents as object,
    location: d.event.location,
  });
  return { ...presentDelivery(d), payload };
}
