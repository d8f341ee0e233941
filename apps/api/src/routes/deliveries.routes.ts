// The delivery log and replay extension under /api/v0/webhooks/{id}: list, show, redeliver,
// recover. Thin: the schemas validate, the deliveries service decides.
import { signedIn } from "../errors.js";
import { ErrorBodySchema } from "../openapi/error-schema.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import { presentDeliveryDetail, presentDeliveryPage } from "../presenters/delivery.presenter.js";
import { seesFullDetail } from "../presenters/response-detail.js";
import {
  DeliveryDetailSchema,
  DeliveryPageSchema,
  DeliveryParams,
  ListDeliveriesQuery,
  RecoverBody,
  RecoveredSchema,
  RedeliveredSchema,
} from "../schemas/delivery.schemas.js";
import { WebhookIdParams } from "../schemas/webhook.schemas.js";
import type { Services } from "../services/services.js";

const TAGS = ["deliveries"];

export function deliveryRoutes(services: Services): RouteSpec[] {
  const { deliveries } = services;
  const detailFor = (viewer: { isAdmin: boolean }) => ({ full: seesFullDetail(services.config.webhooks.responseDetail, viewer) });
  return [
    route({
      method: "get",
      path: "/webhooks/{id}/deliveries",
      summary: "The webhook's deliveries, newest first, each with its attempts (whoever may delete the webhook)",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      query: ListDeliveriesQuery,
      responses: { 200: { description: "One page of deliveries", schema: DeliveryPageSchema } },
      handler: async ({ principal, params, query }) => ({
        status: 200,
        body: presentDeliveryPage(await deliveries.list(signedIn(principal), params.id, query), detailFor(signedIn(principal))),
      }),
    }),
    route({
      method: "get",
      path: "/webhooks/{id}/deliveries/{deliveryId}",
      summary: "One delivery with its attempts and the envelope it sends",
      tags: TAGS,
      auth: "user",
      params: DeliveryParams,
      responses: { 200: { description: "The delivery", schema: DeliveryDetailSchema } },
      handler: async ({ principal, params }) => ({
        status: 200,
        body: presentDeliveryDetail(await deliveries.get(signedIn(principal), params.id, params.deliveryId), detailFor(signedIn(principal))),
      }),
    }),
    route({
      method: "post",
      path: "/webhooks/{id}/deliveries/{deliveryId}/redeliver",
      summary: "Attempt a delivery again now (any status); the attempt is recorded with trigger manual",
      tags: TAGS,
      auth: "user",
      params: DeliveryParams,
      responses: {
        202: {
          description: "Reopened (status pending) and queued for an attempt now; a first attempt already under way (made by the worker's fan-out) is left to end first",
          schema: RedeliveredSchema,
        },
        429: {
          description: "This delivery was redelivered REDELIVERIES_PER_HOUR times within the hour (TOO_MANY_REQUESTS); Retry-After says when to try again",
          schema: ErrorBodySchema,
        },
      },
      answers: 202,
      run: (who, { params }) => deliveries.redeliver(who, params.id, params.deliveryId),
    }),
    route({
      method: "post",
      path: "/webhooks/{id}/recover",
      summary: "Redeliver every failed delivery of the webhook created since a time (at most RECOVER_MAX_DELIVERIES, default 1000, per call)",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      body: RecoverBody,
      responses: {
        202: {
          description: "How many were reopened and queued; `capped` when more matched (call again for the rest)",
          schema: RecoveredSchema,
        },
      },
      answers: 202,
      run: (who, { params, body }) => deliveries.recover(who, params.id, body.since),
    }),
  ];
}
