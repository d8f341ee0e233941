// TypeBox schemas of the delivery log and replay extension (delivery.md "Delivery log and
// replay"): the listing query, a delivery with its attempts, redeliver and recover.
// Times are RFC 3339 as Go prints them; a time that is not set (nextAttemptAt of a finished
// delivery or of an attempt that was not retried) is left out, never sent as the zero time.
import { Type, type Static, type TUnsafe } from "@sinclair/typebox";
import { EVENT_TYPES } from "@msr-webhooks/events/types";
import { DELIVERY_STATUSES, type DeliveryStatus } from "@msr-webhooks/events/statuses";

function StringEnum<const T extends readonly string[]>(values: T, description: string): TUnsafe<T[number]> {
  // A plain `enum` gives a one-line validation error, unlike TypeBox's anyOf of literals.
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], description });
}

const GO_TIME_PATTERN = "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z$";
const GoTime = (description: string) => Type.String({ pattern: GO_TIME_PATTERN, description });
const NullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export { DELIVERY_STATUSES, type DeliveryStatus };

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** The ceiling of RECOVER_MAX_DELIVERIES, the most failed deliveries one recover call reopens (default 1000). */
export const MAX_RECOVER = 10_000;

const DeliveryStatusSchema = StringEnum(
  DELIVERY_STATUSES,
  "pending (no attempt yet, or a redelivery asked for) | retrying | succeeded | failed (gave up) | skipped (never attempted).",
);

export const DeliveryParams = Type.Object({
  id: Type.String({ description: "Webhook id." }),
  deliveryId: Type.String({ description: "Delivery id (a UUID; also the `webhook-id` header of its requests)." }),
});

export const ListDeliveriesQuery = Type.Object({
  status: Type.Optional(DeliveryStatusSchema),
  eventType: Type.Optional(StringEnum(EVENT_TYPES, "Only deliveries of events of this type (the envelope's `type`).")),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE_SIZE,
      default: DEFAULT_PAGE_SIZE,
      description: `Deliveries per page, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`,
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 256,
      description: "The `nextCursor` of the previous page, unchanged; omitted for the first (newest) page.",
    }),
  ),
});
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

export const AttemptSchema = Type.Object(
  {
    number: Type.Integer({ minimum: 1, description: "1, 2, ... in the order they were made." }),
    trigger: Type.String({ description: "scheduled (first attempt and retries) | manual (asked for by redeliver or recover)." }),
    startedAt: GoTime("When the request started."),
    durationMs: Type.Integer({ minimum: 0, description: "How long the attempt took; 0 where errorKind is `unreachable` (RESPONSE_DETAIL)." }),
    statusCode: Type.Union([Type.Integer(), Type.Null()], { description: "The endpoint's HTTP status; null when it sent none." }),
    responseHeaders: Type.Record(Type.String(), Type.String(), { description: "Selected response headers; {} for users other than system admins unless RESPONSE_DETAIL=everyone." }),
    responseBody: Type.String({ description: "The response body, cut at 16 KiB; \"\" for users other than system admins unless RESPONSE_DETAIL=everyone." }),
    errorKind: NullableString(
      "timeout | connection_refused | connection_reset | dns | tls | blocked | http | redirect | too_large | other; null on success. Users other than system admins get `unreachable` for every failure without an HTTP answer except dns, blocked and invalid_url, unless RESPONSE_DETAIL=everyone.",
    ),
    errorMessage: NullableString("Why the attempt failed; null on success."),
    nextAttemptAt: Type.Optional(GoTime("When the retry after this attempt was due; absent when none was scheduled.")),
  },
  { additionalProperties: false, title: "DeliveryAttempt" },
);
export type AttemptView = Static<typeof AttemptSchema>;

const deliveryFields = {
  id: Type.String({ format: "uuid", description: "Also the `webhook-id` header of every request of this delivery." }),
  eventId: Type.String({ format: "uuid" }),
  eventType: Type.String(),
  status: DeliveryStatusSchema,
  reason: NullableString("Why it failed, is retrying or was skipped; null otherwise."),
  attemptCount: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Type.Optional(GoTime("When the next attempt is due; absent when none is scheduled.")),
  createdAt: GoTime("When the delivery was created (the event's fan-out)."),
  updatedAt: GoTime("The last change of status."),
  attempts: Type.Array(AttemptSchema, { description: "Every attempt, by number." }),
};

export const DeliverySchema = Type.Object(deliveryFields, { additionalProperties: false, title: "Delivery" });
export type DeliveryView = Static<typeof DeliverySchema>;

export const DeliveryPageSchema = Type.Object(
  {
    deliveries: Type.Array(DeliverySchema, { description: "Newest first." }),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: "Pass as `cursor` for the next (older) page; null on the last page.",
    }),
  },
  { additionalProperties: false, title: "DeliveryPage" },
);
export type DeliveryPageView = Static<typeof DeliveryPageSchema>;

export const DeliveryDetailSchema = Type.Object(
  {
    ...deliveryFields,
    payload: Type.Object(
      {
        type: Type.String(),
        createdAt: Type.String(),
        contents: Type.Object({}),
        location: Type.Optional(Type.String()),
      },
      { description: "The envelope every attempt of this delivery sends (the request body)." },
    ),
  },
  { additionalProperties: false, title: "DeliveryDetail" },
);
export type DeliveryDetailView = Static<typeof DeliveryDetailSchema>;

export const RedeliveredSchema = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    status: DeliveryStatusSchema,
  },
  { additionalProperties: false, title: "Redelivered", description: "The delivery, reopened: its new attempt runs now." },
);
export type RedeliveredView = Static<typeof RedeliveredSchema>;

export const RecoverBody = Type.Object(
  {
    since: Type.String({
      minLength: 1,
      maxLength: 64,
      description: "RFC 3339 date-time, not in the future: failed deliveries created at or after it are redelivered.",
    }),
  },
  { additionalProperties: false },
);
export type RecoverBody = Static<typeof RecoverBody>;

export const RecoveredSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 0, description: "Failed deliveries reopened and queued for an attempt now." }),
    capped: Type.Boolean({
      description: "true when more than `limit` (RECOVER_MAX_DELIVERIES) matched: only the oldest `limit` were taken; call again for the rest.",
    }),
    limit: Type.Integer({ description: "The most one call reopens." }),
  },
  { additionalProperties: false, title: "Recovered" },
);
export type RecoveredView = Static<typeof RecoveredSchema>;
