// The real API and worker as child processes (their builds come from turbo: the console's test
// task depends on both), on a database and queue prefix of their own, stopped with SIGTERM.
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { spawnApp, stopChild, waitForStart } from "@msr-webhooks/testing/app-process";
import { createTestDatabase, type TestDatabase } from "@msr-webhooks/testing/database";
import { freePort } from "@msr-webhooks/testing/free-port";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";

const appsDir = path.resolve(import.meta.dirname, "../../..");
export const ADMIN = { username: "admin", password: "admin-password-1" };

interface Child {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node dist/index.js` of an app; resolves once it logged `ready`. */
async function startApp(app: "api" | "worker", env: Record<string, string>, ready: string): Promise<Child> {
  const dir = path.join(appsDir, app);
  if (!existsSync(path.join(dir, "dist", "index.js"))) throw new Error(`apps/${app}/dist is missing: run the console's tests through turbo (npm test)`);
  const child = spawnApp(dir, env);
  let output = "";
  let started = false;
  child.stdout?.on("data", (b: Buffer) => {
    output += b.toString();
    if (output.includes(`"message":"${ready}"`)) started = true;
    if (output.length > 1_000_000) output = output.slice(-100_000);
  });
  child.stderr?.on("data", (b: Buffer) => (output += b.toString()));
  const stop = (): Promise<void> => stopChild(child);
  await waitForStart(child, () => started, `apps/${app}`, () => output.slice(-2000));
  return { child, stop };
}

export interface Stack {
  /** The API's (and console's) origin, e.g. http://127.0.0.1:41234 */
  base: string;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const database: TestDatabase = await createTestDatabase();
  const queuePrefix = testQueuePrefix();
  const port = await freePort();
  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    QUEUE_PREFIX: queuePrefix,
    OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8,::1/128",
    DB_POOL_SIZE: "5",
    LOG_LEVEL: "info",
  };
  const api = await startApp(
    "api",
    {
      ...common,
      HOST: "127.0.0.1",
      PORT: String(port),
      REGISTRY_HOST: "registry.test:5000",
      MSR_ADMIN_USERNAME: ADMIN.username,
      MSR_ADMIN_PASSWORD: ADMIN.password,
      CONSOLE_DIR: path.join(appsDir, "web", "dist"),
    },
    "api listening",
  );
  // Retries a second apart, so a failing receiver shows its retries within the test.
  const worker = await startApp(
    "worker",
    { ...common, WORKER_HTTP_PORT: "0", RETRY_SCHEDULE: "1s,1s,1s", RETRY_JITTER: "0", RECONCILE_INTERVAL: "1s", RECONCILE_MIN_AGE: "1s" },
    "worker started",
  );
  return {
    base: `http://127.0.0.1:${port}`,
    async stop() {
      await Promise.all([worker.stop(), api.stop()]);
      await database.drop();
      await deletePrefix(queuePrefix);
    },
  };
}

/** Calls the API as an HTTP Basic client (the test's own setup, not the console). */
export async function apiCall(base: string, method: string, pathname: string, body?: unknown, user = ADMIN): Promise<unknown> {
  const res = await fetch(base + pathname, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}
