// API token routes (/api/v0/api_tokens), as DTR 2.7's Swagger has them: create (200, the token is
// shown once), list (a JSON array, DTR's paging), get, patch ({isActive, tokenLabel}), delete (200).
import { signedIn } from "../errors.js";
import { route, type RouteSpec } from "../http/route-spec.js";
import {
  ApiTokenList,
  ApiTokenSchema,
  CreateApiTokenBody,
  ListApiTokensQuery,
  NewApiTokenSchema,
  TokenParams,
  UpdateApiTokenBody,
  UsernameQuery,
} from "../schemas/api-token.schemas.js";
import type { ApiTokenPage } from "../services/api-tokens.service.js";
import type { Services } from "../services/services.js";

const tags = ["api tokens"];

function pageResponse(page: ApiTokenPage) {
  const headers: Record<string, string> = {};
  if (page.nextPageStart) headers["X-Next-Page-Start"] = page.nextPageStart;
  if (page.total !== undefined) headers["X-Resource-Count"] = String(page.total);
  return { status: 200, body: page.tokens, headers };
}

function userAgent(headers: Record<string, string | string[] | undefined>): string | undefined {
  const ua = headers["user-agent"];
  return Array.isArray(ua) ? ua[0] : ua;
}

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
      responses: { 200: { description: "The new token, with its secret", schema: NewApiTokenSchema } },
      answers: 200,
      run: (who, { query, body, headers }) => tokens.create(who, body, query.username, userAgent(headers)),
    }),
    route({
      method: "get",
      path: "/api_tokens",
      summary:
        "List your API tokens, oldest first, without secrets (system admins may pass username); X-Next-Page-Start when there are more, X-Resource-Count with count=true",
      tags,
      auth: "user",
      query: ListApiTokensQuery,
      responses: { 200: { description: "The tokens", schema: ApiTokenList } },
      handler: async ({ principal, query }) => pageResponse(await tokens.list(signedIn(principal), query)),
    }),
    route({
      method: "get",
      path: "/api_tokens/{hashedToken}",
      summary: "One API token, without its secret (its owner or a system admin)",
      tags,
      auth: "user",
      params: TokenParams,
      responses: { 200: { description: "The token", schema: ApiTokenSchema } },
      answers: 200,
      run: (who, { params }) => tokens.get(who, params.hashedToken),
    }),
    route({
      method: "patch",
      path: "/api_tokens/{hashedToken}",
      summary: "Relabel, deactivate or reactivate an API token (its owner or a system admin); a deactivated token stops working at once",
      tags,
      auth: "user",
      params: TokenParams,
      body: UpdateApiTokenBody,
      responses: { 200: { description: "The token as it is now", schema: ApiTokenSchema } },
      answers: 200,
      run: (who, { params, body }) => tokens.update(who, params.hashedToken, body),
    }),
    route({
      method: "delete",
      path: "/api_tokens/{hashedToken}",
      summary: "Delete an API token (its owner or a system admin); it stops working at once",
      tags,
      auth: "user",
      params: TokenParams,
      responses: { 200: { description: "Deleted (DTR answers 200 with no body)" } },
      handler: async ({ principal, params }) => {
        await tokens.remove(signedIn(principal), params.hashedToken);
        return { status: 200 };
      },
    }),
  ];
}
