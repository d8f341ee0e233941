// TypeBox schemas of POST /api/v0/events: one producer event, or a batch `{events:[...]}`. The
// event itself is the events package's EVENT_INPUT_SCHEMA; its contents are checked per type.
import { Type, type Static } from "@sinclair/typebox";
import { EVENT_INPUT_SCHEMA } from "@msr-webhooks/events/schemas";

/** Most events in one batch (the body limit applies as well). */
export const MAX_EVENT_BATCH = 1000;

export const EventBatchSchema = Type.Object(
  {
    events: Type.Array(EVENT_INPUT_SCHEMA, {
      minItems: 1,
      maxItems: MAX_EVENT_BATCH,
      description: "Accepted all together or not at all.",
    }),
  },
  { additionalProperties: false, title: "EventBatch" },
);

export const IngestBody = Type.Union([EVENT_INPUT_SCHEMA, EventBatchSchema], {
  title: "EventIngest",
  description:
    "One event `{id?, type, createdAt?, contents, location?}`, or `{events: [...]}`. Contents follow the type's schema.",
});

export const AcceptedEventSchema = Type.Object(
  {
    id: Type.String({ format: "uuid", description: "The stored event's id." }),
    duplicate: Type.Boolean({
      description: "True when the producer's id was already received within 24 hours: `id` is the first event's.",
    }),
  },
  { additionalProperties: false, title: "AcceptedEvent" },
);
export type AcceptedEventView = Static<typeof AcceptedEventSchema>;

export const AcceptedBatchSchema = Type.Object(
  { events: Type.Array(AcceptedEventSchema, { description: "In the order of the request." }) },
  { additionalProperties: false, title: "AcceptedBatch" },
);

export const IngestResponse = Type.Union([AcceptedEventSchema, AcceptedBatchSchema], {
  description: "An AcceptedEvent for one event, an AcceptedBatch for `{events:[...]}`.",
});
