// 406 NOT_ACCEPTABLE only when the client's Accept header truly excludes JSON (contract section 4):
// media-type parameters (`; charset=utf-8`, as Go and Java clients send), case and q-values never do.
import type { NextFunction, Request, Response } from "express";
import { ApiError } from "../errors.js";

/** The media ranges (type/subtype, any parameters left off) that cover application/json. */
const JSON_RANGES = new Set(["application/json", "application/*", "*/*"]);

function acceptsJson(req: Request): boolean {
  // Negotiation proper: q-values (q=0 excludes), wildcards, case, the most specific range winning.
  if (req.accepts("application/json")) return true;
  // The negotiator ignores a range whose parameters the offered type lacks, so `application/json;
  // charset=utf-8` alone would fail above; its list of acceptable ranges (q > 0, parameters left off)
  // still names it.
  return req.accepts().some((range) => JSON_RANGES.has(range.toLowerCase()));
}

export function requireJsonAccept(req: Request, _res: Response, next: NextFunction): void {
  if (req.headers.accept && !acceptsJson(req)) {
    next(new ApiError("NOT_ACCEPTABLE", "this API only answers application/json"));
    return;
  }
  next();
}
