// The shape of one API route: the single description that both the Express adapter
// (validation, auth, dispatch) and the OpenAPI generator read, so they cannot drift.
import type { Static, TSchema } from "@sinclair/typebox";
import type { Logger } from "winston";
import { signedIn, type ErrorCode } from "../errors.js";
import type { Principal } from "../identity/principal.js";

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete";

/** "user": any signed-in account (not a producer token); "producer": a producer token or an admin; "none": public. */
export type AuthMode = "user" | "producer" | "none";

export interface RouteResponse {
  description: string;
  schema?: TSchema;
}

export interface RequestContext<P = Record<string, string>, Q = Record<string, unknown>, B = unknown> {
  principal: Principal | null;
  params: P;
  query: Q;
  body: B;
  requestId: string;
  log: Logger;
  headers: Record<string, string | string[] | undefined>;
  /** The client's address (through the proxies TRUST_PROXY names), as the sign-in gate counts it. */
  clientAddress: string;
  /** The request came over HTTPS (directly or through a trusted proxy). */
  secure: boolean;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI-style path relative to the mount point, e.g. "/webhooks/{id}". */
  path: string;
  summary: string;
  tags: string[];
  auth: AuthMode;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  /** Media types accepted for the body (default application/json). */
  bodyTypes?: string[];
  /** An empty body counts as `{}` (eNZi's PUT membership calls send none); otherwise it is INVALID_JSON. */
  bodyOptional?: boolean;
  /** The code used when the body breaks its schema (default INVALID_PARAMETERS). */
  invalidBodyCode?: ErrorCode;
  /** false: the handler validates the parsed body itself; the schema then only documents it (OpenAPI). */
  validateBody?: boolean;
  responses: Record<number, RouteResponse>;
  handler: (ctx: RequestContext<unknown, unknown, unknown>) => Promise<HandlerResult>;
}

type StaticOr<S, Fallback> = S extends TSchema ? Static<S> : Fallback;

type RouteContext<P, Q, B> = RequestContext<StaticOr<P, Record<string, string>>, StaticOr<Q, Record<string, unknown>>, StaticOr<B, undefined>>;

/**
 * The common handler, declared instead of written: a signed-in account (NOT_AUTHENTICATED when
 * there is none) calls `run`, and the route answers `answers` with what it returned (204: no body).
 */
interface SignedInCall<C> {
  answers: number;
  run: (who: Principal, ctx: C) => Promise<unknown>;
}

/**
 * Declares a route whose handler (or `run`) sees its params, query and body typed from the
 * route's own schemas (the adapter has validated them before the handler runs).
 */
export function route<
  P extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
>(
  spec: Omit<RouteSpec, "handler" | "params" | "query" | "body"> & {
    params?: P;
    query?: Q;
    body?: B;
  } & ({ handler: (ctx: RouteContext<P, Q, B>) => Promise<HandlerResult> } | SignedInCall<RouteContext<P, Q, B>>),
): RouteSpec {
  if ("handler" in spec) return spec as unknown as RouteSpec;
  const { answers, run, ...rest } = spec;
  const handler = async (ctx: RouteContext<P, Q, B>): Promise<HandlerResult> => {
    const body = await run(signedIn(ctx.principal), ctx);
    return answers === 204 ? { status: 204 } : { status: answers, body };
  };
  return { ...rest, handler } as unknown as RouteSpec;
}

export interface RouteGroup {
  /** Mount point, e.g. "/api/v0". */
  base: string;
  routes: RouteSpec[];
}
