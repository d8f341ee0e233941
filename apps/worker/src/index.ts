// Starts the worker: validated config, the composition root, the BullMQ workers (in this thread
// and in WORKER_THREADS - 1 more), and a graceful SIGTERM (stop taking jobs, let attempts in flight
// finish within the grace period, then exit; anything still running then stays active in Redis,
// stalls, and is retried by another worker).
import { ConfigError, loadConfig, threadShare } from "./config.js";
import { buildDeps } from "./deps.js";
import { startOpsHttp } from "./ops-server.js";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { aggregatedText } from "@msr-webhooks/observability/metrics";
import { WorkerThreads } from "./threads/worker-threads.js";
import { startWorkers, type RunningWorkers } from "./workers.js";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const deps = buildDeps(threadShare(config));
  const { log } = deps;
  let threads: WorkerThreads | null = null;
  const metrics = {
    async text(): Promise<string> {
      if (threads === null) return deps.metrics.text();
      const [own, others] = await Promise.all([deps.metrics.registry.getMetricsAsJSON(), threads.snapshots()]);
      return aggregatedText([own, ...others]);
    },
  };
  // Probes first: /healthz and /readyz answer while the workers wait for Redis.
  const ops = await startOpsHttp({ ...deps, metrics });
  log.info("ops endpoints listening", { host: config.http.host, port: ops.port, paths: ["/healthz", "/readyz", "/metrics"] });
  let running: RunningWorkers | null = null;
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal, graceMs: config.shutdownGraceMs });
    // Whatever has started is stopped; a signal during startup ends the rest with the process (a
    // job already taken then stalls and is retried).
    void Promise.all([running?.close(config.shutdownGraceMs) ?? true, threads?.close(config.shutdownGraceMs) ?? true])
      .then(async ([ownClean, threadsClean]) => {
        if (!(ownClean && threadsClean)) {
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

  running = await startWorkers(deps);
  if (config.threads > 1 && !stopping) threads = await WorkerThreads.start({ count: config.threads - 1, log });
  log.info("worker started", {
    queuePrefix: config.queuePrefix,
    threads: config.threads,
    deliveryConcurrency: config.concurrency.delivery,
    maxAttempts: config.retry.maxAttempts,
  });
}

main().catch((err: unknown) => {
  const prefix = err instanceof ConfigError ? "" : "startup failed: ";
  process.stderr.write(`msr-webhooks worker: ${prefix}${errorMessage(err)}\n`);
  process.exit(1);
});
