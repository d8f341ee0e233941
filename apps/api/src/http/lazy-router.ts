// A router built on its first request. The queue dashboard and the API explorer load large modules
// (Bull Board with lodash; swagger-ui-dist, whose entry runs its browser bundle in Node) that most
// API processes never serve: built lazily, they take no memory until someone opens them.
import type { NextFunction, Request, RequestHandler, Response, Router } from "express";

export function lazyRouter(build: () => Promise<Router>): RequestHandler {
  let router: Promise<Router> | undefined;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    router ??= build();
    let built: Router;
    try {
      built = await router;
    } catch (err) {
      // Not cached: the next request tries again (the error handler answers this one).
      router = undefined;
      throw err;
    }
    built(req, res, next);
  };
}
