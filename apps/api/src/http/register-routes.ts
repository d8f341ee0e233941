// Turns RouteSpecs into Express handlers: auth, media type, schema validation, dispatch,
// and a 405 NOT_ALLOWED for every other method on a known path.
import express, { type Request, type Response, type Router } from "express";
import { ApiError, notAuthenticated, notAuthorized, type ErrorCode } from "../errors.js";
import type { RequestContext, RouteGroup, RouteSpec } from "./route-spec.js";
import { bodyValidator, stringsValidator, type Validator } from "./validation.js";
import { rejectNul } from "./nul-guard.js";
import { firstIllFormed, ILL_FORMED_MESSAGE } from "@msr-webhooks/events/well-formed";
import { requestLocals } from "./request-locals.js";

interface CompiledRoute {
  spec: RouteSpec;
  params: Validator | null;
  query: Validator | null;
  body: Validator | null;
}

const toExpressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ":$1");

function mediaTypeOf(req: Request): string {
  return (req.headers["content-type"] ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";
}

function hasBody(req: Request): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function checkAuth(spec: RouteSpec, ctx: Pick<RequestContext, "principal">, foreignAuthorization: boolean): void {
  if (spec.auth === "none") return;
  const p = ctx.principal;
  if (!p) throw notAuthenticated(foreignAuthorization ? "malformed Authorization header: use HTTP Basic" : undefined);
  if (spec.auth === "user" && p.tokenRole === "producer") {
    throw notAuthorized("a producer token may only publish events");
  }
  if (spec.auth === "producer" && p.tokenRole !== "producer" && !p.isAdmin) {
    throw notAuthorized("publishing events needs a producer token");
  }
}

function validated(validator: Validator | null, value: unknown, code: ErrorCode): void {
  if (!validator) return;
  const problem = validator(value);
  if (problem) throw new ApiError(code, problem.message, { field: problem.field });
}

export function registerRoutes(router: Router, groups: RouteGroup[], bodyLimitBytes: number): void {
  const byPath = new Map<string, Set<string>>();
  for (const group of groups) {
    for (const spec of group.routes) {
      const compiled: CompiledRoute = {
        spec,
        params: spec.params ? stringsValidator(spec.params, "path") : null,
        query: spec.query ? stringsValidator(spec.query, "query") : null,
        body: spec.body && spec.validateBody !== false ? bodyValidator(spec.body) : null,
      };
      const fullPath = toExpressPath(group.base + spec.path);
      const methods = byPath.get(fullPath) ?? new Set<string>();
      methods.add(spec.method.toUpperCase());
      byPath.set(fullPath, methods);
      const bodyTypes = spec.bodyTypes ?? ["application/json"];
      const parseJson = express.json({ limit: bodyLimitBytes, strict: true, type: () => true });

      router[spec.method](fullPath, async (req: Request, res: Response) => {
        const locals = requestLocals(res);
        const ctx: RequestContext<unknown, unknown, unknown> = {
          principal: locals.principal,
          params: { ...req.params },
          query: { ...(req.query as Record<string, unknown>) },
          body: undefined,
          requestId: locals.requestId,
          log: locals.log,
          headers: req.headers,
          clientAddress: req.ip ?? req.socket.remoteAddress ?? "unknown",
          secure: req.secure,
        };
        checkAuth(spec, ctx, locals.foreignAuthorization === true);
        rejectNul(req.params, "path");
        rejectNul(req.query as Record<string, unknown>, "query");
        if (spec.body) {
          if (!hasBody(req) && !spec.bodyOptional) {
            throw new ApiError("INVALID_JSON", "a JSON object body is required");
          }
          if (hasBody(req) && !bodyTypes.includes(mediaTypeOf(req))) {
            throw new ApiError("UNSUPPORTED_MEDIA_TYPE", `the body must be ${bodyTypes.join(" or ")}`);
          }
          await new Promise<void>((resolve, reject) => {
            parseJson(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
          });
          const body: unknown = req.body;
          if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
            throw new ApiError("INVALID_JSON", "the body must be a JSON object");
          }
          const illFormed = firstIllFormed(body);
          if (illFormed !== null) {
            throw new ApiError(spec.invalidBodyCode ?? "INVALID_PARAMETERS", `${illFormed} ${ILL_FORMED_MESSAGE}`, { field: illFormed });
          }
          ctx.body = body;
        }
        validated(compiled.params, ctx.params, "INVALID_PARAMETERS");
        validated(compiled.query, ctx.query, "INVALID_PARAMETERS");
        validated(compiled.body, ctx.body, spec.invalidBodyCode ?? "INVALID_PARAMETERS");
        const result = await spec.handler(ctx);
        for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
        if (result.body === undefined) res.status(result.status).end();
        else res.status(result.status).json(result.body);
      });
    }
  }
  for (const [path, methods] of byPath) {
    const allow = [...methods, ...(methods.has("GET") ? ["HEAD"] : [])].join(", ");
    router.all(path, (req: Request) => {
      throw new ApiError("NOT_ALLOWED", `${req.method} is not allowed here; allowed: ${allow}`, undefined, {
        Allow: allow,
      });
    });
  }
}

