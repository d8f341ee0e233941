// The worker's small HTTP server on WORKER_HTTP_PORT: /healthz (alive), /readyz (its PostgreSQL
// pool and Redis answer) and /metrics (Prometheus; behind METRICS_TOKEN when set). Started before
// the BullMQ workers, so probes answer even while Redis is still unreachable.
import { startOpsServer, type RunningOpsServer } from "@msr-webhooks/observability/ops-server";
import { errorMessage } from "@msr-webhooks/observability/logger";
import type { Metrics } from "@msr-webhooks/observability/metrics";
import type { WorkerDeps } from "./deps.js";

export function startOpsHttp(
  deps: Pick<WorkerDeps, "config" | "log" | "readiness"> & { metrics: Pick<Metrics, "text"> },
): Promise<RunningOpsServer> {
  return startOpsServer({
    port: deps.config.http.port,
    host: deps.config.http.host,
    readiness: deps.readiness,
    metrics: deps.metrics,
    metricsToken: deps.config.metricsToken,
    onError: (err) => deps.log.error("ops endpoint failed", { error: errorMessage(err) }),
  });
}
