// Operations endpoints outside /api/v0, for orchestrators and Prometheus: GET /healthz (the
// process answers), GET /readyz (PostgreSQL and Redis answer; 503 names the one that does not)
// and GET /metrics (Prometheus text; open unless METRICS_TOKEN is set). No Basic auth and no
// Accept check: probes send neither.
import { timingSafeEqual, createHash } from "node:crypto";
import express, { type Request, type Response, type Router } from "express";
import { LIVE_BODY, readinessStatus, type Readiness } from "@msr-webhooks/observability/health";
import { METRICS_CONTENT_TYPE, type Metrics } from "@msr-webhooks/observability/metrics";
import { ApiError, errorBody } from "../errors.js";

export interface OpsDeps {
  metrics: Pick<Metrics, "text">;
  readiness(): Promise<Readiness>;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | undefined;
}

const digest = (s: string): Buffer => createHash("sha256").update(s).digest();

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

// Probes poll often and must never be cached by a proxy in between.
function noStore(res: Response): void {
  res.setHeader("Cache-Control", "no-store");
}

export function opsRouter(deps: OpsDeps): Router {
  const router = express.Router();
  router.get("/healthz", (_req: Request, res: Response) => {
    noStore(res);
    res.status(200).json(LIVE_BODY);
  });
  router.get("/readyz", async (_req: Request, res: Response) => {
    noStore(res);
    const readiness = await deps.readiness();
    res.status(readinessStatus(readiness)).json(readiness);
  });
  router.get("/metrics", async (req: Request, res: Response) => {
    noStore(res);
    if (deps.metricsToken !== undefined && !bearerMatches(req.headers.authorization, deps.metricsToken)) {
      const error = new ApiError("NOT_AUTHENTICATED", "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>", undefined, {
        "WWW-Authenticate": 'Bearer realm="msr-webhooks metrics"',
      });
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      res.status(error.status).json(errorBody(error));
      return;
    }
    res.setHeader("Content-Type", METRICS_CONTENT_TYPE);
    res.status(200).send(await deps.metrics.text());
  });
  return router;
}
