// Reads HTTP Basic credentials; a request without them is anonymous (routes decide
// whether that is enough), a request with bad ones is a 401 at once. Every sign-in passes the
// sign-in gate before its secret is checked (auth-failure-limit.ts): over a limit it is a 429.
import type { NextFunction, Request, Response } from "express";
import { ApiError, notAuthenticated } from "../errors.js";
import type { AuthService } from "../identity/auth.service.js";
import type { Principal } from "../identity/principal.js";
import type { AuthFailureLimiter, SignInAdmission, SignInScope } from "./auth-failure-limit.js";
import { requestLocals } from "./request-locals.js";

function parseBasic(header: string): { username: string; secret: string } | null {
  const encoded = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)?.[1];
  if (!encoded) return null;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) return null;
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

const SCOPE_TEXT: Record<SignInScope, string> = {
  "user-address": "for this user from this address",
  user: "for this user",
  address: "from this address",
};

function tooManyFailures(admission: SignInAdmission): ApiError {
  const seconds = Math.max(1, Math.ceil(admission.waitMs / 1000));
  const scope = SCOPE_TEXT[admission.scope ?? "address"];
  return new ApiError("TOO_MANY_REQUESTS", `too many sign-in attempts ${scope}; try again in ${seconds} s`, undefined, {
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
    const creds = parseBasic(header);
    if (!creds) {
      const admission = limiter ? await limiter.admitMalformed(client) : null;
      if (admission && admission.waitMs > 0) throw tooManyFailures(admission);
      throw notAuthenticated("malformed Authorization header: use HTTP Basic");
    }
    const admission = limiter ? await limiter.admit(client, creds.username) : { waitMs: 0, scope: null, epoch: null };
    if (admission.waitMs > 0) throw tooManyFailures(admission);
    let principal: Principal | null = null;
    try {
      principal = await auth.authenticate(creds.username, creds.secret, admission.epoch);
    } finally {
      // A failure is counted before the 401 goes out. A success only ends "pending": it need not hold
      // up the request, and the gate's next call on the same connection comes after it anyway.
      const settled = limiter?.settle(client, creds.username, principal === null);
      if (principal === null) await settled;
    }
    if (!principal) throw notAuthenticated("invalid username, password or token");
    requestLocals(res).principal = principal;
    next();
  };
}
