// API token routes (/api/v0/api_tokens): create (the token is shown once), list, revoke.
import { signedIn } from "../errors.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import {
  ApiTokenList,
  CreateApiTokenBody,
  NewApiTokenSchema,
  TokenParams,
  UsernameQuery,
} from "../schemas/api-token.schemas.js";
import type { Services } from "../services/services.js";

const tags = ["api tokens"];

export function apiTokenRoutes(services: Services): RouteSpec[] {
  const tokens = services.apiTokens;
  return [
    route({
      method: "post",
      path: "/api_tokens",
      summary:
        "Create an API token; the response is the only time the token is shown (system admins may pass username and role: producer)",
      tags,
      auth: "user",
      query: UsernameQuery,
      body: CreateApiTokenBody,
      responses: { 201: { description: "The new token, with its secret", schema: NewApiTokenSchema } },
      handler: async ({ principal, query, body }) => ({
        status: 201,
        body: await tokens.create(signedIn(principal), body, query.username),
      }),
    }),
    route({
      method: "get",
      path: "/api_tokens",
      summary: "List your API tokens, without secrets (system admins may pass username)",
      tags,
      auth: "user",
      query: UsernameQuery,
      responses: { 200: { description: "The tokens", schema: ApiTokenList } },
      handler: async ({ principal, query }) => ({ status: 200, body: await tokens.list(signedIn(principal), query.username) }),
    }),
    route({
      method: "delete",
      path: "/api_tokens/{hashedToken}",
      summary: "Revoke an API token (its owner or a system admin); it stops working at once",
      tags,
      auth: "user",
      params: TokenParams,
      responses: { 204: { description: "Revoked" } },
      handler: async ({ principal, params }) => {
        await tokens.revoke(signedIn(principal), params.hashedToken);
        return { status: 204 };
      },
    }),
  ];
}
