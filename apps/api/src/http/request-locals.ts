// Typed access to what the middleware chain stores on res.locals for one request.
import type { Response } from "express";
import type { Logger } from "winston";
import type { Principal } from "../identity/principal.js";

export interface RequestLocals {
  requestId: string;
  log: Logger;
  principal: Principal | null;
  /** An Authorization header of another scheme than Basic: left to the route (authenticate.ts). */
  foreignAuthorization?: boolean;
  /** The handler ran past its deadline and a 503 was sent (handler-timeout.ts). */
  timedOut?: boolean;
}

export function requestLocals(res: Response): RequestLocals {
  return res.locals as RequestLocals;
}
