// The worker's own maintenance code, loaded from its build (apps/worker/dist), for benches that
// seed or purge a database as the worker would: its SQL pool, the purge and the day partitions.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "./paths.js";

const workerDist = path.join(REPO_ROOT, "apps/worker/dist");

export interface WorkerSql {
  end(): Promise<void>;
}

export interface WorkerModules {
  createSqlPool(url: string, max: number): WorkerSql;
  Purger: new (sql: WorkerSql, retentionMs: number, log: unknown) => { run(now?: Date): Promise<Record<string, number>> };
  Partitions: new (sql: WorkerSql, log: unknown) => { ensure(now: Date, from?: Date): Promise<string[]> };
}

export async function workerModules(): Promise<WorkerModules> {
  const load = (file: string) => import(pathToFileURL(path.join(workerDist, file)).href) as Promise<Record<string, unknown>>;
  const [sql, purge, partitions] = await Promise.all([load("shared/sql.js"), load("maintenance/purge.service.js"), load("maintenance/partitions.js")]);
  return { createSqlPool: sql.createSqlPool, Purger: purge.Purger, Partitions: partitions.Partitions } as WorkerModules;
}

/** A logger that says nothing, for the worker's classes. */
export const quietLog = { info: () => undefined, warn: () => undefined };

/** Creates the day partitions from `from`'s day through a week after `now`'s, as the worker does. */
export async function ensurePartitions(url: string, now: Date, from: Date): Promise<void> {
  const worker = await workerModules();
  const sql = worker.createSqlPool(url, 1);
  try {
    await new worker.Partitions(sql, quietLog).ensure(now, from);
  } finally {
    await sql.end();
  }
}
