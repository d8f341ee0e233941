// MSR's webhook endpoints (/api/v0/webhooks..., the repository and namespace listings) and
// the signing-secret extension. Thin: the schemas validate, the services decide.
import { Type } from "@sinclair/typebox";
import { signedIn } from "../errors.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import { ErrorBodySchema } from "../openapi/error-schema.js";
import { presentWebhook } from "../presenters/webhook.presenter.js";
import {
  CreateWebhookBody,
  ListWebhooksQuery,
  NamespaceParams,
  RepositoryParams,
  SecretSchema,
  TestResultSchema,
  TestWebhookBody,
  UpdateWebhookBody,
  WebhookIdParams,
  WebhookListSchema,
  WebhookPageQuery,
  WebhookSchema,
} from "../schemas/webhook.schemas.js";
import { RepositorySchema } from "../schemas/repository.schemas.js";
import type { Services } from "../services/services.js";
import type { WebhookPage } from "../services/webhooks.service.js";
import { presentRepository } from "../presenters/repository.presenter.js";

const TAGS = ["webhooks"];

/** A listing page as MSR's array body, with X-Next-Page-Start when there are more. */
function pageResponse(page: WebhookPage) {
  const headers: Record<string, string> = {};
  if (page.nextPageStart) headers["X-Next-Page-Start"] = page.nextPageStart;
  return { status: 200, body: page.webhooks.map(presentWebhook), headers };
}

export function webhookRoutes(services: Services): RouteSpec[] {
  const { webhooks, webhookTests } = services;

  const namespaceListing = (path: string, summary: string): RouteSpec =>
    route({
      method: "get",
      path,
      summary,
      tags: TAGS,
      auth: "user",
      params: NamespaceParams,
      query: WebhookPageQuery,
      responses: { 200: { description: "Webhooks keyed to the namespace or any repository in it, oldest first (paged)", schema: WebhookListSchema } },
      handler: async ({ principal, params, query }) =>
        pageResponse(await webhooks.listForNamespace(signedIn(principal), params.namespace, query)),
    });

  return [
    route({
      method: "post",
      path: "/webhooks",
      summary: "Subscribe an endpoint to an event type",
      tags: TAGS,
      auth: "user",
      body: CreateWebhookBody,
      invalidBodyCode: "INVALID_WEBHOOK",
      responses: { 201: { description: "The new webhook", schema: WebhookSchema } },
      answers: 201,
      run: async (who, { body }) => presentWebhook(await webhooks.create(who, body)),
    }),
    route({
      method: "get",
      path: "/webhooks",
      summary:
        "List webhooks: a normal user's own, or every webhook for a system admin (paged: X-Next-Page-Start when there are more)",
      tags: TAGS,
      auth: "user",
      query: ListWebhooksQuery,
      responses: { 200: { description: "Webhooks, oldest first", schema: WebhookListSchema } },
      handler: async ({ principal, query }) => {
        const type = query.webhookType === "any" || query.webhookType === "" ? undefined : query.webhookType;
        return pageResponse(await webhooks.list(signedIn(principal), type, { pageSize: query.pageSize, pageStart: query.pageStart }));
      },
    }),
    route({
      method: "post",
      path: "/webhooks/update",
      summary: "Change inactive, tlsCert or skipTLSVerification of a webhook",
      tags: TAGS,
      auth: "user",
      body: UpdateWebhookBody,
      invalidBodyCode: "INVALID_WEBHOOK",
      responses: { 200: { description: "An array holding the updated webhook", schema: WebhookListSchema } },
      handler: async ({ principal, body }) => {
        const { id, inactive, tlsCert, skipTLSVerification, ...other } = body;
        const updated = await webhooks.update(signedIn(principal), { id, inactive, tlsCert, skipTLSVerification, other });
        return { status: 200, body: [presentWebhook(updated)] };
      },
    }),
    route({
      method: "post",
      path: "/webhooks/test",
      summary: "Send the fixed example payload of a type to an endpoint now",
      tags: TAGS,
      auth: "user",
      body: TestWebhookBody,
      invalidBodyCode: "INVALID_WEBHOOK",
      responses: {
        200: { description: "The outcome of the attempt (also when the endpoint failed)", schema: TestResultSchema },
        429: {
          description: "Too many test sends by this user (TOO_MANY_REQUESTS, WEBHOOK_TEST_RATE_LIMIT); Retry-After says when to try again",
          schema: ErrorBodySchema,
        },
        503: {
          description:
            "Too many test sends in flight on this server, all users together (SERVICE_UNAVAILABLE, WEBHOOK_TEST_MAX_IN_FLIGHT), or the rate limit cannot be counted; Retry-After says when to try again",
          schema: ErrorBodySchema,
        },
      },
      handler: async ({ principal, body, log }) => {
        const result = await webhookTests.send(signedIn(principal), body);
        log.info("webhook test sent", {
          user: signedIn(principal).name,
          type: body.type,
          statusCode: result.statusCode,
          errorKind: result.errorKind,
        });
        return { status: 200, body: result };
      },
    }),
    route({
      method: "delete",
      path: "/webhooks/{id}",
      summary: "Delete a webhook (system admin, or an admin of what it is subscribed to)",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      responses: { 204: { description: "Deleted" } },
      answers: 204,
      run: (who, { params }) => webhooks.delete(who, params.id),
    }),
    route({
      method: "get",
      path: "/webhooks/{id}/secret",
      summary: "The webhook's signing secret (Standard Webhooks), and the previous one while it still signs",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      responses: { 200: { description: "The signing secret(s)", schema: SecretSchema } },
      answers: 200,
      run: (who, { params }) => webhooks.secret(who, params.id),
    }),
    route({
      method: "post",
      path: "/webhooks/{id}/secret/rotate",
      summary: "Make a new signing secret; the old one keeps signing for 24 hours",
      tags: TAGS,
      auth: "user",
      params: WebhookIdParams,
      responses: { 200: { description: "The new secret and the previous one", schema: SecretSchema } },
      answers: 200,
      run: (who, { params }) => webhooks.rotateSecret(who, params.id),
    }),
    route({
      method: "get",
      path: "/repositories/{namespace}/{repository}/webhooks",
      summary: "Everyone's webhooks on a repository (repository admins; 404 NO_SUCH_REPOSITORY to whoever cannot read it)",
      tags: TAGS,
      auth: "user",
      params: RepositoryParams,
      query: WebhookPageQuery,
      responses: { 200: { description: "Webhooks keyed to the repository, oldest first (paged)", schema: WebhookListSchema } },
      handler: async ({ principal, params, query }) =>
        pageResponse(await webhooks.listForRepository(signedIn(principal), params.namespace, params.repository, query)),
    }),
    namespaceListing("/accounts/{namespace}/webhooks", "Everyone's webhooks in a namespace (admins of every repository in it)"),
    route({
      method: "get",
      path: "/repositories/{namespace}/webhooks",
      summary:
        "A repository named `webhooks` in the namespace, to whoever may read it (DTR's GetRepository); otherwise everyone's webhooks in the namespace (the path the MSR docs give; admins of every repository in it)",
      tags: TAGS,
      auth: "user",
      params: NamespaceParams,
      query: WebhookPageQuery,
      responses: {
        200: {
          description: "The repository `{namespace}/webhooks`, or the namespace's webhooks, oldest first (paged)",
          schema: Type.Union([RepositorySchema, WebhookListSchema]),
        },
      },
      handler: async ({ principal, params, query }) => {
        const caller = signedIn(principal);
        // DTR routes this path to GetRepository (reponame "webhooks"); the namespace listing only
        // answers when no such repository is visible to the caller, so a private one stays hidden.
        const repository = await services.access.findReadableRepository(caller, params.namespace, "webhooks");
        if (repository !== null) return { status: 200, body: presentRepository(repository.repo) };
        return pageResponse(await webhooks.listForNamespace(caller, params.namespace, query));
      },
    }),
  ];
}
