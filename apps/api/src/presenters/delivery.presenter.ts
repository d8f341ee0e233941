// Delivery rows as the delivery log shows them: times as Go prints them, a time that is not set
// left out (not the zero time, which a client could mistake for a real date), the envelope a
// delivery sends rebuilt exactly as the worker builds it. What a viewer learns of the endpoint's
// answers (bodies, headers, exact failure causes) follows response-detail.ts.
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
import type { DeliveryDetailRow, DeliveryRow } from "../repositories/deliveries.repository.js";
import type { DeliveryPage } from "../services/deliveries.service.js";
import { isHiddenFailure, summarizeFailure, UNREACHABLE } from "./response-detail.js";

/** Whether the viewer sees endpoints' whole answers (response-detail.ts seesFullDetail). */
export type DetailLevel = { full: boolean };

function stringRecord(value: Prisma.JsonValue): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) if (typeof v === "string") out[name] = v;
  return out;
}

export function presentAttempt(a: DeliveryAttempt, detail: DetailLevel): AttemptView {
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
  return detail.full ? view : summarizeAttempt(view);
}

/** The attempt without the endpoint's body and headers, a failure without an HTTP answer as "unreachable". */
function summarizeAttempt(view: AttemptView): AttemptView {
  const hidden = isHiddenFailure(view);
  return { ...summarizeFailure(view), responseHeaders: {}, responseBody: "", durationMs: hidden ? 0 : view.durationMs };
}

/**
 * A delivery's reason quotes its last failure ("gave up after 5 attempts: timeout: ..."); for a
 * viewer without full detail each hidden failure's words in it become "unreachable".
 */
function summarizeReason(reason: string | null, attempts: readonly DeliveryAttempt[]): string | null {
  if (reason === null) return null;
  let out = reason;
  for (const a of attempts) {
    if (!isHiddenFailure(a) || a.errorKind === null) continue;
    const words = a.errorMessage ? `${a.errorKind}: ${a.errorMessage}` : a.errorKind;
    out = out.split(words).join(UNREACHABLE);
  }
  return out;
}

export function presentDelivery(d: DeliveryRow & { attempts: DeliveryAttempt[] }, detail: DetailLevel): DeliveryView {
  const view: DeliveryView = {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    // The worker writes only these statuses.
    status: d.status as DeliveryStatus,
    reason: detail.full ? d.reason : summarizeReason(d.reason, d.attempts),
    attemptCount: d.attemptCount,
    createdAt: formatGoTime(d.createdAt),
    updatedAt: formatGoTime(d.updatedAt),
    attempts: d.attempts.map((a) => presentAttempt(a, detail)),
  };
  if (d.nextAttemptAt !== null) view.nextAttemptAt = formatGoTime(d.nextAttemptAt);
  return view;
}

export function presentDeliveryPage(page: DeliveryPage, detail: DetailLevel): DeliveryPageView {
  return { deliveries: page.deliveries.map((d) => presentDelivery(d, detail)), nextCursor: page.nextCursor };
}

export function presentDeliveryDetail(d: DeliveryDetailRow, detail: DetailLevel): DeliveryDetailView {
  const payload = buildEnvelope({
    // Only validated events are stored as deliverable, so the type is one of ours.
    type: d.event.type as EventType,
    // As delivered: the producer's time with every digit (rows from before it was kept: createdAt).
    createdAt: d.event.createdAtText ?? d.event.createdAt,
    // Parsed from the json column, so in the producer's key order (JSON text as the receiver got it).
    contents: d.event.contents as object,
    location: d.event.location,
  });
  return { ...presentDelivery(d, detail), payload };
}
