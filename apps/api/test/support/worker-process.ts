// The delivery worker (apps/worker) as a black box for end-to-end tests: its build comes from
// turbo's task graph (the API's test task depends on the worker's build), started as
// `node dist/index.js` on the test's database and queue prefix, stopped with SIGTERM.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { spawnApp, stopChild, waitForStart } from "@msr-webhooks/testing/app-process";
import { redisUrl } from "@msr-webhooks/testing/redis";
import type { TestContext } from "./test-context.js";

const workerDir = path.resolve(import.meta.dirname, "../../../worker");
const workerEntry = path.join(workerDir, "dist", "index.js");

export interface WorkerProcess {
  child: ChildProcess;
  /** Its log lines so far (JSON objects where they parse). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts the worker on the context's database and queue prefix; resolves once it logged "worker started". */
export async function startWorker(ctx: TestContext, env: Record<string, string> = {}): Promise<WorkerProcess> {
  if (!existsSync(workerEntry)) {
    throw new Error(`${workerEntry} is missing: run the API's tests through turbo (npm test), which builds the worker first`);
  }
  const child = spawnApp(workerDir, {
    DATABASE_URL: ctx.database.url,
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: ctx.queuePrefix,
    OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8,::1/128",
    LOG_LEVEL: "info",
    DB_POOL_SIZE: "5",
    RECONCILE_INTERVAL: "1s",
    RECONCILE_MIN_AGE: "1s",
    // Any free port for its probes: several test files run workers at once.
    WORKER_HTTP_PORT: "0",
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  let pending = "";
  child.stdout?.on("data", (b: Buffer) => {
    pending += b.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ message: line });
      }
    }
  });
  child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  const stop = () => stopChild(child);
  await waitForStart(child, () => logs.some((l) => l["message"] === "worker started"), "the worker", () => stderr);
  return { child, logs, stop };
}
