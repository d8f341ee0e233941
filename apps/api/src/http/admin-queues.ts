// Bull Board at /admin/queues for system admins only: the credentials go through the same
// authenticate middleware as the API (HTTP Basic, password or token); anyone else gets MSR's
// 401 (asking for Basic, so a browser prompts) or 403. HTML pages, so no JSON Accept check here.
import type { Queue } from "bullmq";
import type { NextFunction, Request, RequestHandler, Response, Router } from "express";
import { notAuthenticated, notAuthorized } from "../errors.js";
import { lazyRouter } from "./lazy-router.js";
import { requestLocals } from "./request-locals.js";

export const ADMIN_QUEUES_PATH = "/admin/queues";

/** Lets a system admin through (with a password or a user token); refuses everyone else. */
export function requireSystemAdmin(req: Request, res: Response, next: NextFunction): void {
  const locals = requestLocals(res);
  const principal = locals.principal;
  if (principal === null) {
    throw notAuthenticated(
      locals.foreignAuthorization ? "malformed Authorization header: use HTTP Basic" : "the queue dashboard needs a system admin's credentials",
    );
  }
  if (!principal.isAdmin || principal.tokenRole === "producer") {
    throw notAuthorized("the queue dashboard is for system admins only");
  }
  next();
}

/** The dashboard, loaded on its first request (lazy-router.ts). */
export function bullBoard(queues: readonly Queue[]): RequestHandler {
  return lazyRouter(() => bullBoardRouter(queues));
}

async function bullBoardRouter(queues: readonly Queue[]): Promise<Router> {
  const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
    import("@bull-board/api"),
    import("@bull-board/api/bullMQAdapter"),
    import("@bull-board/express"),
  ]);
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: "msr-webhooks queues" } },
  });
  return serverAdapter.getRouter() as Router;
}
