// Turns a session cookie into the principal it was opened for, and guards cookie-borne writes:
// - the principal is checked again (account still active, same admin right, token still there)
//   whenever the auth epoch moved since the session last looked (the epoch rises when any
//   account's rights or activity or any token changes: auth.service.ts), so deactivating or
//   demoting an account, or deleting or deactivating the token a session was opened with, ends
//   the session at its next request, on every replica;
// - a write (any method but GET/HEAD/OPTIONS) must carry the session's CSRF token in
//   X-CSRF-Token, and a browser-declared foreign origin is refused, on top of SameSite=Strict.
import { timingSafeEqual } from "node:crypto";
import type { Request } from "express";
import type { PrismaClient } from "@msr-webhooks/db/client";
import { ApiError, notAuthorized } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { Session, SessionStore } from "./session-store.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface SessionAuthDeps {
  store: SessionStore;
  db: PrismaClient;
  /** The auth epoch now (null: Redis did not answer). */
  epoch(): Promise<string | null>;
}

/** A 401 without a Basic challenge: a browser must not answer it with its own password dialog. */
export const sessionEnded = (message: string): ApiError => new ApiError("NOT_AUTHENTICATED", message);

async function stillValid(db: PrismaClient, principal: Principal): Promise<boolean> {
  const account = await db.account.findUnique({ where: { id: principal.id }, select: { isActive: true, isAdmin: true } });
  if (!account || !account.isActive || account.isAdmin !== principal.isAdmin) return false;
  if (principal.tokenId === null) return true;
  const token = await db.apiToken.findUnique({ where: { id: principal.tokenId }, select: { isActive: true } });
  return token?.isActive === true;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Refuses a cookie-authenticated write that another site could have caused. */
export function checkCsrf(req: Request, session: Session): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.get("origin");
  const site = req.get("sec-fetch-site");
  if ((origin !== undefined && hostOf(origin) !== req.get("host")) || (site !== undefined && site !== "same-origin")) {
    throw notAuthorized("cross-site request refused");
  }
  const token = req.get("x-csrf-token");
  if (token === undefined || !sameText(token, session.csrfToken)) {
    throw notAuthorized("missing or wrong X-CSRF-Token: a signed-in console's changes carry its session's token");
  }
}

export async function sessionPrincipal(deps: SessionAuthDeps, req: Request, id: string): Promise<Principal> {
  let session: Session | null;
  let epoch: string | null;
  try {
    [session, epoch] = await Promise.all([deps.store.get(id), deps.epoch()]);
  } catch {
    throw new ApiError("SERVICE_UNAVAILABLE", "sessions are unavailable right now; try again, or use HTTP Basic", undefined, { "Retry-After": "5" });
  }
  if (!session) throw sessionEnded("the session has ended: sign in again");
  // No epoch (Redis half-answering): check the account every time rather than trust the session.
  if (epoch === null || epoch !== session.epoch) {
    if (!(await stillValid(deps.db, session.principal))) {
      await deps.store.delete(id).catch(() => undefined);
      throw sessionEnded("the session has ended: the account changed; sign in again");
    }
    if (epoch !== null) await deps.store.touch(id, session, epoch).catch(() => undefined);
  }
  checkCsrf(req, session);
  return session.principal;
}
