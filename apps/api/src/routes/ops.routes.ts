// Operations endpoints outside /api/v0, for orchestrators and Prometheus: GET /healthz (the
// process answers), GET /readyz (PostgreSQL and Redis answer; 503 names the one that does not)
// and GET /metrics (Prometheus text; open unless METRICS_TOKEN is set). The answers are the
// observability package's (the worker's ops server gives the same); this mounts them on Express.
import express, { type Request, type Response, type Router } from "express";
import { OPS_PATHS, opsAnswer, type OpsEndpoints } from "@msr-webhooks/observability/ops-answer";

export type OpsDeps = OpsEndpoints;

export function opsRouter(deps: OpsDeps): Router {
  const router = express.Router();
  for (const path of OPS_PATHS) {
    router.get(path, async (req: Request, res: Response) => {
      const answer = await opsAnswer(deps, path, req.headers.authorization);
      res.status(answer.status).set(answer.headers).send(answer.body);
    });
  }
  return router;
}
