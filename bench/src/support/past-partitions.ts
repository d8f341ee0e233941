// The day partitions a worker with the default RETENTION (14 days) keeps behind today: a fresh
// database has only today's, the week ahead and the default (migration 20261205110000), so a
// statement that cannot name its rows' day reads fewer partitions in a bench than in production.
// They are made by the worker's own Partitions (apps/worker/dist), as it names and sets them up.
// They are empty: each costs such a statement an index root page, less than a day of rows would,
// so the figure stays a lower bound of the production cost.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "./paths.js";

interface PartitionModules {
  DAY_MS: number;
  Partitions: new (sql: unknown, log: unknown) => { ensure(now: Date, from: Date): Promise<string[]> };
  createSqlPool(url: string, max: number): { end(): Promise<void> };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function partitionModules(): Promise<PartitionModules> {
  const load = (file: string) => import(pathToFileURL(path.join(REPO_ROOT, "apps/worker/dist", file)).href) as Promise<Record<string, unknown>>;
  const [partitions, sql] = await Promise.all([load("maintenance/partitions.js"), load("shared/sql.js")]);
  return { DAY_MS: partitions.DAY_MS, Partitions: partitions.Partitions, createSqlPool: sql.createSqlPool } as PartitionModules;
}

/** Creates the day partitions of the `days` days before today (UTC) and the week ahead, as the worker does. */
export async function createPastPartitions(databaseUrl: string, days: number, now = new Date()): Promise<void> {
  if (days <= 0) return;
  const { DAY_MS, Partitions, createSqlPool } = await partitionModules();
  const sql = createSqlPool(databaseUrl, 1);
  try {
    await new Partitions(sql, quiet).ensure(now, new Date(now.getTime() - days * DAY_MS));
  } finally {
    await sql.end();
  }
}
