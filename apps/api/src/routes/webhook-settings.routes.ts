// The webhook settings extension (issue 20): GET/PUT /api/v0/webhooks/{id}/settings (payload format
// and filters, whoever may update the webhook) and POST /api/v0/webhooks/{id}/test (the example of
// the webhook's type sent to its endpoint as its settings format it).
import { signedIn } from "../errors.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import { ErrorBodySchema } from "../openapi/error-schema.js";
import { WebhookSettingsSchema, WebhookTestSentSchema } from "../schemas/webhook-settings.schemas.js";
import { WebhookIdParams } from "../schemas/webhook.schemas.js";
import type { Services } from "../services/services.js";

const TAGS = ["webhooks"];

export function webhookSettingsRoutes(services: Services): RouteSpec[] {
  const { webhookSettings, webhookTests } = services;
  return [
    route({
      method: "get",
      path: "/webhooks/{id}/settings",
      summary: "The webhook's payload format and filters (defaults: the MSR envelope, unfiltered); same access as /webhooks/update",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      responses: { 200: { description: "The settings, defaults filled in", schema: WebhookSettingsSchema } },
      answers: 200,
      run: (who, { params }) => webhookSettings.get(who, params.id),
    }),
    route({
      method: "put",
      path: "/webhooks/{id}/settings",
      summary:
        "Replace the webhook's payload format (msr, cloudevents, slack, teams) and filters (tag globs, REPO_EVENT kinds, minimum scan severity); what the body leaves out goes back to its default",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      body: WebhookSettingsSchema,
      responses: {
        200: { description: "The settings now in force (deliveries attempted from a few seconds on)", schema: WebhookSettingsSchema },
        400: { description: "INVALID_PARAMETERS: a bad format, glob or filter, or one that does not fit the webhook's type", schema: ErrorBodySchema },
      },
      answers: 200,
      run: (who, { params, body }) => webhookSettings.put(who, params.id, body),
    }),
    route({
      method: "post",
      path: "/webhooks/{id}/test",
      summary:
        "Send the example payload of the webhook's type to its endpoint now, as a real event would go: in its settings' format, signed with its secret (msr, cloudevents)",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      responses: {
        200: { description: "What was sent and how the endpoint answered (also when it failed)", schema: WebhookTestSentSchema },
        429: { description: "Too many test sends by this user; Retry-After says when to try again", schema: ErrorBodySchema },
      },
      handler: async ({ principal, params, log }) => {
        const caller = signedIn(principal);
        const { webhook, settings } = await webhookSettings.forTest(caller, params.id);
        const result = await webhookTests.sendAsWebhook(caller, webhook, settings);
        log.info("webhook test sent", { user: caller.name, webhookId: webhook.id, format: result.format, statusCode: result.statusCode, errorKind: result.errorKind });
        return { status: 200, body: result };
      },
    }),
  ];
}
