// Gives each request an id (accepted from X-Request-Id when sane, else generated),
// returns it, and logs one line when the response finishes.
import { randomUUID } from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "winston";
import type { RequestLocals } from "./request-locals.js";

const SANE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function requestId(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && SANE_ID.test(given) ? given : randomUUID();
    const locals: RequestLocals = { requestId: id, log, principal: null };
    Object.assign(res.locals, locals);
    res.setHeader("X-Request-Id", id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      log.http("request", {
        requestId: id,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        durationMs: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        user: (res.locals as RequestLocals).principal?.name,
      });
    });
    next();
  };
}
