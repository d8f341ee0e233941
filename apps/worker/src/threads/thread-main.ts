// Entry point of one extra worker thread: a BullMQ delivery worker over its own connections, with
// its share of the process's DELIVERY_CONCURRENCY (ingest, fan-out and maintenance stay on the main
// thread). It answers the main thread's metrics requests and stops when told to.
import { parentPort, workerData } from "node:worker_threads";
import { errorMessage } from "@msr-webhooks/observability/logger";
import { loadConfig, threadShare } from "../config.js";
import { buildDeps } from "../deps.js";
import { startWorkers } from "../workers.js";
import type { FromThread, ThreadData, ToThread } from "./thread-messages.js";

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("thread-main.js runs only as a worker thread");
  const { index } = workerData as ThreadData;
  const config = threadShare(loadConfig(process.env));
  const deps = buildDeps(config, { thread: true });
  const log = deps.log.child({ thread: index });
  // As in the main thread: a stray rejection is a bug to log, not a reason to drop the attempts in flight.
  process.on("unhandledRejection", (err) => log.error("unhandled rejection", { error: errorMessage(err) }));
  const send = (message: FromThread): void => port.postMessage(message);
  const running = await startWorkers(deps, ["delivery"]);

  port.on("message", (message: ToThread) => {
    if (message.type === "metrics") {
      deps.metrics.registry
        .getMetricsAsJSON()
        .then((snapshot) => send({ type: "metrics", id: message.id, snapshot }))
        .catch((err: unknown) => log.error("cannot read this thread's metrics", { error: errorMessage(err) }));
      return;
    }
    void running
      .close(message.graceMs)
      .then(async (clean) => {
        // Jobs still running after the grace period stay active in Redis and are retried elsewhere.
        if (clean) await deps.close();
        send({ type: "closed", clean });
        port.close();
      })
      .catch((err: unknown) => {
        log.error("thread shutdown failed", { error: errorMessage(err) });
        send({ type: "closed", clean: false });
        port.close();
      });
  });
  send({ type: "ready" });
}

main().catch((err: unknown) => {
  // Ends this thread only, with code 1: the main thread then stops the process.
  process.stderr.write(`msr-webhooks worker thread: startup failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
