// Runs the built worker as its own process, as deployed (`node <the start script's flags>
// apps/worker/dist/index.js` with env), its log in a file; watches its memory and CPU time.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { onCleanup } from "./cleanup.js";
import { cpuMsOf, MemoryWatch } from "./proc-stats.js";
import { DeathWatch, type Mortal } from "./worker-death.js";
import { requireBuilt, startScriptFlags, WORKER_ENTRY } from "./paths.js";
import type { World } from "./world.js";

/**
 * The node flags of the worker's own `start` script (apps/worker/package.json), so the bench runs
 * the worker exactly as it is meant to run; `--worker-node-flags="..."` tries others.
 */
export const WORKER_NODE_FLAGS: readonly string[] = startScriptFlags("worker");

/** What the benchmarks set; everything else is the worker's default. */
export function benchWorkerEnv(world: World): Record<string, string> {
  return {
    DATABASE_URL: world.databaseUrl,
    REDIS_URL: world.redisUrl,
    QUEUE_PREFIX: world.prefix,
    // The receiver is on loopback, which the outbound policy refuses by default.
    OUTBOUND_ALLOW_CIDRS: "127.0.0.0/8",
    // Ops endpoints on a free loopback port: two workers on one machine must not collide on 8081.
    WORKER_HTTP_PORT: "0",
    WORKER_HTTP_HOST: "127.0.0.1",
  };
}

export interface WorkerProcess extends Mortal {
  pid: number;
  logFile: string;
  /** Rejects when the process exits before stop() was called (for one wait; watched() for many). */
  died: Promise<never>;
  cpuMs(): number;
  peakRssMb(): number;
  stop(): Promise<void>;
}

export interface StartWorkerOptions {
  env?: Record<string, string>;
  /** Directory for a V8 CPU profile (`node --cpu-prof`), written when the worker exits. */
  cpuProfileDir?: string;
  /** Node flags in place of WORKER_NODE_FLAGS. */
  nodeFlags?: readonly string[];
  /** Another build of the worker (A/B experiments: a copy of dist/ before a change). */
  entry?: string;
}

export function startWorkerProcess(world: World, options: StartWorkerOptions = {}): WorkerProcess {
  const dir = mkdtempSync(path.join(os.tmpdir(), "msrwh-bench-worker-"));
  const logFile = path.join(dir, "worker.log");
  const fd = openSync(logFile, "a");
  const flags = [...(options.nodeFlags ?? WORKER_NODE_FLAGS), ...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : [])];
  const child: ChildProcess = spawn(process.execPath, [...flags, requireBuilt(options.entry ?? WORKER_ENTRY)], {
    env: { PATH: process.env.PATH ?? "", ...benchWorkerEnv(world), ...options.env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const pid = child.pid as number;
  const memory = new MemoryWatch(pid);
  let lastCpuMs = 0;
  let stopping = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const death = new DeathWatch();
  const died = new Promise<never>((_, reject) => death.onDeath(reject));
  child.once("exit", (code, signal) => {
    if (stopping) return;
    const tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
    death.die(new Error(`worker ${pid} exited (${String(code ?? signal)}) during the run; log ${logFile}:\n${tail}`));
  });
  // Only raced against waits: an unobserved rejection must not end the bench.
  died.catch(() => undefined);

  const stop = onCleanup(async () => {
    stopping = true;
    memory.stop();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  });

  return {
    pid,
    logFile,
    died,
    onDeath: (listener) => death.onDeath(listener),
    cpuMs() {
      lastCpuMs = cpuMsOf(pid) ?? lastCpuMs;
      return lastCpuMs;
    },
    peakRssMb: () => memory.peak(),
    stop,
  };
}
