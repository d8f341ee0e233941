// Reads HTTP Basic credentials; a request without them is anonymous (routes decide
// whether that is enough), a request with bad ones is a 401 at once. A client address with too
// many failed sign-ins is answered 429 until its window ends (auth-failure-limit.ts).
import type { NextFunction, Request, Response } from "express";
import { ApiError, notAuthenticated } from "../errors.js";
import type { AuthService } from "../identity/auth.service.js";
import type { AuthFailureLimiter } from "./auth-failure-limit.js";
import { requestLocals } from "./request-locals.js";

function parseBasic(header: string): { username: string; secret: string } | null {
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function tooManyFailures(waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError("TOO_MANY_REQUESTS", `too many failed sign-ins from this address; try again in ${seconds} s`, undefined, {
    "Retry-After": String(seconds),
  });
}

export function authenticate(auth: AuthService, limiter?: AuthFailureLimiter) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) {
      next();
      return;
    }
    if (!/^Basic(\s|$)/i.test(header)) {
      // Another scheme, such as the registry's `Bearer <token>`: a route that takes one checks it
      // itself; every other route refuses it (register-routes).
      requestLocals(res).foreignAuthorization = true;
      next();
      return;
    }
    const client = req.ip ?? req.socket.remoteAddress ?? "unknown";
    const waitMs = limiter ? await limiter.blockedFor(client) : 0;
    if (waitMs > 0) throw tooManyFailures(waitMs);
    const creds = parseBasic(header);
    if (!creds) {
      await limiter?.recordFailure(client);
      throw notAuthenticated("malformed Authorization header: use HTTP Basic");
    }
    const principal = await auth.authenticate(creds.username, creds.secret);
    if (!principal) {
      await limiter?.recordFailure(client);
      throw notAuthenticated("invalid username, password or token");
    }
    requestLocals(res).principal = principal;
    next();
  };
}
