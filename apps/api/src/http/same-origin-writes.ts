// Keeps a browser that holds a system admin's Basic credentials from being used by another site
// to act on the queue dashboard: a write must carry JSON (or no body), which a cross-site form
// or text/plain post cannot without a CORS preflight, and a browser-declared foreign origin is
// refused outright.
import type { NextFunction, Request, Response } from "express";
import { ApiError, notAuthorized } from "../errors.js";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null; // "null" (sandboxed or opaque origins) and garbage: never this host
  }
}

export function sameOriginWrites(req: Request, _res: Response, next: NextFunction): void {
  if (SAFE_METHODS.has(req.method)) return next();
  const origin = req.get("origin");
  if (origin !== undefined && hostOf(origin) !== req.get("host")) {
    throw notAuthorized("cross-site requests may not change the queues");
  }
  const site = req.get("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw notAuthorized("cross-site requests may not change the queues");
  }
  if (req.get("content-type") !== undefined && !req.is("application/json")) {
    throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "the queue dashboard's changes take a JSON body or none");
  }
  next();
}
