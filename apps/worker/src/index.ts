// Starts the worker: validated config, the composition root, the BullMQ workers, and a graceful
// SIGTERM (stop taking jobs, let attempts in flight finish within the grace period, then exit;
// anything still running then stays active in Redis, stalls, and is retried by another worker).
import { ConfigError, loadConfig } from "./config.js";
import { buildDeps } from "./deps.js";
import { startOpsHttp } from "./ops-server.js";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { startWorkers } from "./workers.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = buildDeps(config);
  const { log } = deps;
  // Probes first: /healthz and /readyz answer while the workers wait for Redis.
  const ops = await startOpsHttp(deps);
  log.info("ops endpoints listening", { host: config.http.host, port: ops.port, paths: ["/healthz", "/readyz", "/metrics"] });
  const running = await startWorkers(deps);
  log.info("worker started", {
    queuePrefix: config.queuePrefix,
    deliveryConcurrency: config.concurrency.delivery,
    maxAttempts: config.retry.maxAttempts,
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal, graceMs: config.shutdownGraceMs });
    void running
      .close(config.shutdownGraceMs)
      .then(async (clean) => {
        if (!clean) {
          log.warn("grace period over with attempts still in flight; they will be retried");
          process.exit(0);
        }
        await ops.close();
        await deps.close();
        log.info("worker stopped");
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error("shutdown failed", { error: errorMessage(err) });
        process.exit(1);
      });
  };
  // A stray rejection is a bug to log, not a reason to drop every attempt in flight.
  process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: errorMessage(err) }));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  const prefix = err instanceof ConfigError ? "" : "startup failed: ";
  process.stderr.write(`msr-webhooks worker: ${prefix}${errorMessage(err)}\n`);
  process.exit(1);
});
