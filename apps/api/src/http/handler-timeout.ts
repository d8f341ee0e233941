// A deadline for each request's handler: past it the client gets 503 SERVICE_UNAVAILABLE in MSR's
// error format (with Retry-After) instead of waiting on a stuck dependency. The handler may still
// finish afterwards; whatever it then tries to send is dropped (error-handler). A 503 therefore
// says "outcome unknown": clients retry, and the API's writes are safe to repeat.
import type { NextFunction, Request, Response } from "express";
import { ApiError, errorBody } from "../errors.js";
import { requestLocals } from "./request-locals.js";

export function handlerTimeout(timeoutMs: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const locals = requestLocals(res);
      locals.timedOut = true;
      const error = new ApiError("SERVICE_UNAVAILABLE", `the request took longer than ${timeoutMs} ms (request id ${locals.requestId})`, undefined, {
        "Retry-After": "5",
      });
      locals.log.warn("request timed out", { requestId: locals.requestId, method: req.method, path: req.path, timeoutMs });
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      res.status(error.status).json(errorBody(error));
    }, timeoutMs);
    timer.unref();
    const clear = (): void => clearTimeout(timer);
    res.once("finish", clear);
    res.once("close", clear);
    next();
  };
}
