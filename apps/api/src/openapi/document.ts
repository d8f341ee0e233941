// Generates the OpenAPI 3.1 document from the same RouteSpecs the server validates with,
// so the documentation cannot drift from the behaviour.
import type { TSchema } from "@sinclair/typebox";
import type { RouteGroup, RouteSpec } from "../http/route-spec.js";

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, unknown>;
}

const ERROR_STATUSES: Record<number, string> = {
  400: "Invalid input (INVALID_JSON, INVALID_WEBHOOK, INVALID_PARAMETERS)",
  401: "Not authenticated (NOT_AUTHENTICATED)",
  403: "Not authorized (NOT_AUTHORIZED)",
  404: "Not found",
  405: "Method not allowed (NOT_ALLOWED)",
  406: "Not acceptable (NOT_ACCEPTABLE)",
  413: "Body too large (REQUEST_TOO_LARGE)",
  415: "Unsupported media type (UNSUPPORTED_MEDIA_TYPE)",
  429: "Too many failed sign-ins from this address (TOO_MANY_REQUESTS); Retry-After says when to try again",
  500: "Internal error (INTERNAL_ERROR)",
  503: "The request took too long (SERVICE_UNAVAILABLE); its outcome is unknown, retry after Retry-After",
};

/** JSON Schema without TypeBox's symbol keys and $id (OpenAPI 3.1 embeds JSON Schema as is). */
function plain(schema: TSchema): unknown {
  return JSON.parse(JSON.stringify(schema, (key, value: unknown) => (key === "$id" ? undefined : value)));
}

function parameters(spec: RouteSpec): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [
    ["path", spec.params],
    ["query", spec.query],
  ] as const) {
    if (!schema) continue;
    const props = (schema as { properties?: Record<string, TSchema>; required?: string[] }).properties ?? {};
    const required = new Set((schema as { required?: string[] }).required ?? []);
    for (const [name, prop] of Object.entries(props)) {
      out.push({
        name,
        in: where,
        required: where === "path" || required.has(name),
        description: (prop as { description?: string }).description,
        schema: plain(prop),
      });
    }
  }
  return out;
}

function operation(spec: RouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = r.schema
      ? { description: r.description, content: { "application/json": { schema: plain(r.schema) } } }
      : { description: r.description };
  }
  for (const [status, description] of Object.entries(ERROR_STATUSES)) {
    responses[status] ??= {
      description,
      content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
    };
  }
  const op: Record<string, unknown> = {
    summary: spec.summary,
    tags: spec.tags,
    operationId: `${spec.method}${spec.path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
    parameters: parameters(spec),
    responses,
  };
  if (spec.auth !== "none") op["security"] = [{ basicAuth: [] }];
  const body = spec.body;
  if (body) {
    const types = spec.bodyTypes ?? ["application/json"];
    op["requestBody"] = {
      required: true,
      content: Object.fromEntries(types.map((t) => [t, { schema: plain(body) }])),
    };
  }
  return op;
}

export function buildOpenApi(groups: RouteGroup[], errorSchema: TSchema, version: string): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const group of groups) {
    for (const spec of group.routes) {
      const path = group.base + spec.path;
      paths[path] ??= {};
      paths[path][spec.method] = operation(spec);
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "msr-webhooks",
      version,
      description:
        "Mirantis Secure Registry compatible webhook API (/api/v0), identity (/enzi/v0), and the delivery log extensions.",
    },
    paths,
    components: {
      schemas: { ErrorBody: plain(errorSchema) },
      securitySchemes: { basicAuth: { type: "http", scheme: "basic", description: "username:password or username:token" } },
    },
  };
}
