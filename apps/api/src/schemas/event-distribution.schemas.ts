// TypeBox schemas of POST /api/v0/events/distribution: the CNCF Distribution registry's
// notification envelope (media type application/vnd.docker.distribution.events.v1+json). Every
// field is optional and unknown fields pass: one odd event is skipped by the service, never a
// reason to refuse the envelope (the registry would resend it for ever).
import { Type, type Static } from "@sinclair/typebox";

export const DISTRIBUTION_EVENTS_MEDIA_TYPE = "application/vnd.docker.distribution.events.v1+json";

const open = { additionalProperties: true } as const;

const Descriptor = {
  mediaType: Type.Optional(Type.String()),
  digest: Type.Optional(Type.String()),
  size: Type.Optional(Type.Integer()),
};

export const RegistryEventSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ description: "The registry's event id: the same on every resend." })),
    timestamp: Type.Optional(Type.String({ description: "RFC 3339." })),
    action: Type.Optional(Type.String({ description: "push, pull, delete, mount." })),
    target: Type.Optional(
      Type.Object(
        {
          ...Descriptor,
          length: Type.Optional(Type.Integer()),
          repository: Type.Optional(Type.String({ description: "namespace/repository" })),
          url: Type.Optional(Type.String()),
          tag: Type.Optional(Type.String()),
          references: Type.Optional(Type.Array(Type.Object(Descriptor, open))),
        },
        open,
      ),
    ),
    request: Type.Optional(
      Type.Object(
        {
          id: Type.Optional(Type.String()),
          addr: Type.Optional(Type.String()),
          host: Type.Optional(Type.String()),
          method: Type.Optional(Type.String()),
          useragent: Type.Optional(Type.String()),
        },
        open,
      ),
    ),
    actor: Type.Optional(Type.Object({ name: Type.Optional(Type.String()) }, open)),
    source: Type.Optional(
      Type.Object({ addr: Type.Optional(Type.String()), instanceID: Type.Optional(Type.String()) }, open),
    ),
  },
  { ...open, title: "DistributionEvent" },
);
export type RegistryEvent = Static<typeof RegistryEventSchema>;

export const DistributionEnvelopeSchema = Type.Object(
  { events: Type.Array(RegistryEventSchema, { maxItems: 10_000 }) },
  { ...open, title: "DistributionEnvelope" },
);
export type DistributionEnvelope = Static<typeof DistributionEnvelopeSchema>;

const ProducedEvent = Type.Object(
  {
    id: Type.String({ format: "uuid" }),
    type: Type.String({ description: "TAG_PUSH, MANIFEST_PUSH, REPO_EVENT, ..." }),
    duplicate: Type.Boolean({ description: "Already received (the registry resent it): not delivered again." }),
  },
  { additionalProperties: false },
);

export const DistributionResultSchema = Type.Object(
  {
    events: Type.Array(ProducedEvent, { description: "The events made from the envelope, in order." }),
    ignored: Type.Integer({ minimum: 0, description: "Registry events that make no webhook event (blobs, ...)." }),
  },
  { additionalProperties: false, title: "DistributionResult" },
);
export type DistributionResult = Static<typeof DistributionResultSchema>;
