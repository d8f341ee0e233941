// The delivery worker (apps/worker) as a black box for end-to-end tests: built from its current
// sources (one build at a time across jest's processes), started as `node dist/index.js` on the
// test's database and queue prefix, stopped with SIGTERM.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, rmdir, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { redisUrl } from "@msr-webhooks/testing/redis";
import type { TestContext } from "./test-context.js";

const run = promisify(execFile);
const workerDir = path.resolve(import.meta.dirname, "../../../worker");
const LOCK = path.join(os.tmpdir(), "msrwh-worker-build.lock");

async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      await mkdir(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // A lock older than two minutes belongs to a build that died.
      const age = await stat(LOCK).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 120_000) await rmdir(LOCK).catch(() => undefined);
      if (i > 1200) throw new Error(`waited too long for ${LOCK}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(LOCK).catch(() => undefined);
  }
}

/** Compiles apps/worker into its dist/ (tsc, as `pnpm --filter @msr-webhooks/worker build` does). */
export async function buildWorker(): Promise<void> {
  const tsc = path.resolve(workerDir, "../../node_modules/typescript/bin/tsc");
  await withBuildLock(() => run(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: workerDir }));
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Its log lines so far (JSON objects where they parse). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** Starts the worker on the context's database and queue prefix; resolves once it logged "worker started". */
export async function startWorker(ctx: TestContext, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["dist/index.js"], {
    cwd: workerDir,
    env: {
      PATH: process.env.PATH ?? "",
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
    },
    stdio: ["ignore", "pipe", "pipe"],
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
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  for (let i = 0; !logs.some((l) => l["message"] === "worker started"); i++) {
    if (child.exitCode !== null || i > 300) {
      await stop();
      throw new Error(`the worker did not start (exit ${String(child.exitCode)}): ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, logs, stop };
}
