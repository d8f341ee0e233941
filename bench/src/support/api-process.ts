// Runs the built API as its own process (`node <its start script's flags> apps/api/dist/index.js` with env) on a free loopback
// port, its log in a file; waits for /readyz; watches its memory.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "@msr-webhooks/testing/free-port";
import { onCleanup } from "./cleanup.js";
import { sleep } from "./clock.js";
import { timedRequest } from "./http.js";
import { API_ENTRY, requireBuilt, startScriptFlags } from "./paths.js";
import { MemoryWatch } from "./proc-stats.js";
import type { World } from "./world.js";

export const ADMIN_USER = "benchadmin";
export const ADMIN_PASSWORD = "bench-admin-password";

export interface ApiProcess {
  url: string;
  pid: number;
  logFile: string;
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** `nodeFlags`: in place of those of the API's `start` script. */
export async function startApiProcess(
  world: World,
  env: Record<string, string> = {},
  nodeFlags: readonly string[] = startScriptFlags("api"),
): Promise<ApiProcess> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), "msrwh-bench-api-"));
  const logFile = path.join(dir, "api.log");
  const fd = openSync(logFile, "a");
  const child = spawn(process.execPath, [...nodeFlags, requireBuilt(API_ENTRY)], {
    env: {
      PATH: process.env.PATH ?? "",
      DATABASE_URL: world.databaseUrl,
      REDIS_URL: world.redisUrl,
      QUEUE_PREFIX: world.prefix,
      PORT: String(port),
      HOST: "127.0.0.1",
      MSR_ADMIN_USERNAME: ADMIN_USER,
      MSR_ADMIN_PASSWORD: ADMIN_PASSWORD,
      OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8",
      // As its image and `npm start` run it (docker/api.Dockerfile).
      MALLOC_MMAP_THRESHOLD_: "1048576",
      ...env,
    },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const pid = child.pid as number;
  const memory = new MemoryWatch(pid);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = onCleanup(async () => {
    memory.stop();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) {
      throw new Error(`api exited with ${child.exitCode}: ${readFileSync(logFile, "utf8").slice(-2000)}`);
    }
    const ready = await timedRequest("GET", `${url}/readyz`, { timeoutMs: 2000 }).catch(() => null);
    if (ready?.status === 200) break;
    if (i > 300) throw new Error(`api not ready after 30 s; log ${logFile}`);
    await sleep(100);
  }
  return { url, pid, logFile, peakRssMb: () => memory.peak(), stop };
}
