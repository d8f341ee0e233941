// Reads HTTP Basic credentials, or else the console's session cookie (session-auth.ts); a request
// with neither is anonymous (routes decide whether that is enough), a request with bad ones is a
// 401 at once. Every sign-in, Basic or the console's form, passes the sign-in gate before its
// secret is checked (auth-failure-limit.ts): over a limit it is a 429.
import type { NextFunction, Request, Response } from "express";
import { ApiError, notAuthenticated } from "../errors.js";
import type { AuthService } from "../identity/auth.service.js";
import type { Principal } from "../identity/principal.js";
import type { AuthFailureLimiter, SignInAdmission, SignInScope } from "./auth-failure-limit.js";
import { requestLocals } from "./request-locals.js";
import { sessionIdFrom } from "./session-cookie.js";
import { sessionPrincipal, type SessionAuthDeps } from "./session-auth.js";

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

/**
 * Checks one username and secret (password or API token) through the sign-in gate: a failure is
 * counted before the answer goes out; null when they do not match, a 429 over a limit.
 */
export async function signInWith(
  auth: AuthService,
  limiter: AuthFailureLimiter | undefined,
  client: string,
  username: string,
  secret: string,
): Promise<Principal | null> {
  const admission = limiter ? await limiter.admit(client, username) : { waitMs: 0, scope: null, epoch: null };
  if (admission.waitMs > 0) throw tooManyFailures(admission);
  let principal: Principal | null = null;
  try {
    principal = await auth.authenticate(username, secret, admission.epoch);
  } finally {
    // A failure is counted before the 401 goes out. A success only ends "pending": it need not hold
    // up the request, and the gate's next call on the same connection comes after it anyway.
    const settled = limiter?.settle(client, username, principal === null);
    if (principal === null) await settled;
  }
  return principal;
}

const SESSION_PATH = "/api/v0/session";

export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? "unknown";

export function authenticate(auth: AuthService, limiter?: AuthFailureLimiter, sessions?: SessionAuthDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) {
      // Signing in and out answer an ended session's cookie themselves (session.routes.ts).
      const sessionId = sessions && req.path !== SESSION_PATH ? sessionIdFrom(req.headers.cookie) : null;
      if (sessions && sessionId) requestLocals(res).principal = await sessionPrincipal(sessions, req, sessionId);
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
    const client = clientAddress(req);
    const creds = parseBasic(header);
    if (!creds) {
      const admission = limiter ? await limiter.admitMalformed(client) : null;
      if (admission && admission.waitMs > 0) throw tooManyFailures(admission);
      throw notAuthenticated("malformed Authorization header: use HTTP Basic");
    }
    const principal = await signInWith(auth, limiter, client, creds.username, creds.secret);
    if (!principal) throw notAuthenticated("invalid username, password or token");
    requestLocals(res).principal = principal;
    next();
  };
}
