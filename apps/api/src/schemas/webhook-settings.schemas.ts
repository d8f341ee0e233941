// Schemas of the webhook settings extension (payload format and filters, issue 20) and of the
// per-webhook test send. The settings schema itself is the delivery package's, which the worker
// reads back too.
import { Type, type Static } from "@sinclair/typebox";
import { WebhookSettingsSchema } from "@msr-webhooks/delivery/formats/settings";

export { WebhookSettingsSchema };

export const WebhookTestSentSchema = Type.Object(
  {
    ok: Type.Boolean({ description: "true when the endpoint answered 2xx." }),
    statusCode: Type.Union([Type.Integer(), Type.Null()], { description: "The endpoint's HTTP status; null if none." }),
    durationMs: Type.Integer({ minimum: 0 }),
    error: Type.Union([Type.String(), Type.Null()], { description: "Why the attempt failed; null on success." }),
    errorKind: Type.Union([Type.String(), Type.Null()], { description: "As in POST /webhooks/test." }),
    responseBody: Type.String({ description: "The endpoint's response body, as in POST /webhooks/test." }),
    webhookId: Type.String({ description: "The webhook-id header sent (msr and cloudevents), or the id the message would carry." }),
    format: Type.String({ description: "The payload format the webhook's settings chose." }),
    headers: Type.Record(Type.String(), Type.String(), {
      description: "The request headers that carry the format (Content-Type, ce-*, webhook-*); User-Agent left out.",
    }),
    body: Type.String({ description: "The exact body sent." }),
    filtered: Type.Union([Type.String(), Type.Null()], {
      description: "Why a real event like this example would be skipped by the webhook's filters (it was sent anyway); null when it would be delivered.",
    }),
  },
  { additionalProperties: false },
);
export type WebhookTestSent = Static<typeof WebhookTestSentSchema>;
