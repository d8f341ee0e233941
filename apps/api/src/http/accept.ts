// 406 NOT_ACCEPTABLE when the client's Accept header excludes JSON.
import type { NextFunction, Request, Response } from "express";
import { ApiError } from "../errors.js";

export function requireJsonAccept(req: Request, _res: Response, next: NextFunction): void {
  if (req.headers.accept && !req.accepts("application/json")) {
    next(new ApiError("NOT_ACCEPTABLE", "this API only answers application/json"));
    return;
  }
  next();
}
