// Removes what earlier test runs left behind (template and per-file databases, BullMQ prefixes),
// so a run on a used machine starts from the state a fresh machine has. While any jest process
// holds the test-run lease (run-lease.ts) nothing is removed; a database some other client still
// uses is kept and reported, never dropped by force.
import { Redis } from "ioredis";
import type pg from "pg";
import { TEST_DATABASE_LOCK, withAdmin } from "./database.js";
import { redisUrl } from "./redis.js";
import { TEST_RUN_LEASE, tryExclusiveLease } from "./run-lease.js";

/** Names of every database a test or bench run creates (template, per-file copy, empty). */
const DATABASE_PATTERN = "msrwh\\_%";
/** BullMQ and gate key prefixes of test and bench runs. */
const KEY_PATTERNS = ["msrwh-t-*", "msrwh-bench-*"];

export interface LeftoverReport {
  /** False when a test process held the lease: nothing was removed. */
  removed: boolean;
  databasesDropped: string[];
  databasesInUse: string[];
  keysDeleted: number;
}

const OBJECT_IN_USE = "55006";

async function dropDatabases(client: pg.Client, report: LeftoverReport): Promise<void> {
  await client.query("SELECT pg_advisory_lock($1)", [TEST_DATABASE_LOCK]);
  try {
    const res = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname",
      [DATABASE_PATTERN],
    );
    for (const { datname } of res.rows) {
      try {
        await client.query(`DROP DATABASE "${datname.replaceAll('"', '""')}"`);
        report.databasesDropped.push(datname);
      } catch (err) {
        if ((err as { code?: string }).code !== OBJECT_IN_USE) throw err;
        report.databasesInUse.push(datname);
      }
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [TEST_DATABASE_LOCK]);
  }
}

async function deleteKeys(redis: Redis, report: LeftoverReport): Promise<void> {
  for (const pattern of KEY_PATTERNS) {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) report.keysDeleted += await redis.unlink(...keys);
    } while (cursor !== "0");
  }
}

export async function removeTestLeftovers(): Promise<LeftoverReport> {
  const report: LeftoverReport = { removed: false, databasesDropped: [], databasesInUse: [], keysDeleted: 0 };
  await withAdmin(async (client) => {
    if (!(await tryExclusiveLease(client))) return;
    try {
      await dropDatabases(client, report);
      const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        await deleteKeys(redis, report);
      } finally {
        redis.disconnect();
      }
      report.removed = true;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [TEST_RUN_LEASE]);
    }
  });
  return report;
}
