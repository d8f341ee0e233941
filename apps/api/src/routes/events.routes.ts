// How events enter over HTTP: POST /events for producers (a producer token or a system admin),
// POST /events/distribution for the Distribution registry's notifications (its own bearer
// token). Thin: the services validate, store and fan out.
import { route, type RouteSpec } from "../http/route-spec.js";
import {
  DISTRIBUTION_EVENTS_MEDIA_TYPE,
  DistributionEnvelopeSchema,
  DistributionResultSchema,
} from "../schemas/event-distribution.schemas.js";
import { IngestBody, IngestResponse } from "../schemas/event.schemas.js";
import type { Services } from "../services/services.js";

const TAGS = ["events"];

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function eventRoutes(services: Services): RouteSpec[] {
  const { ingest, distribution } = services;
  return [
    route({
      method: "post",
      path: "/events",
      summary:
        "Publish one event, or a batch {events:[...]} (all or nothing), for fan-out. Needs a producer token or a system admin.",
      tags: TAGS,
      auth: "producer",
      body: IngestBody,
      // The events package validates: every error at once, named by field and batch index.
      validateBody: false,
      responses: { 202: { description: "Stored for delivery: the ids", schema: IngestResponse } },
      handler: async ({ body }) => {
        const result = await ingest.ingest(body as unknown);
        return { status: 202, body: result.batch ? { events: result.events } : result.event };
      },
    }),
    route({
      method: "post",
      path: "/events/distribution",
      summary:
        "The Distribution registry's notification endpoint (Authorization: Bearer <REGISTRY_NOTIFICATION_TOKEN>): " +
        "manifest push / pull / delete become MANIFEST_* and TAG_* events.",
      tags: TAGS,
      auth: "none",
      body: DistributionEnvelopeSchema,
      bodyTypes: [DISTRIBUTION_EVENTS_MEDIA_TYPE, "application/json"],
      responses: { 202: { description: "The events made from the envelope", schema: DistributionResultSchema } },
      handler: async ({ headers, body }) => {
        distribution.authorize(header(headers["authorization"]));
        return { status: 202, body: await distribution.handle(body) };
      },
    }),
  ];
}
