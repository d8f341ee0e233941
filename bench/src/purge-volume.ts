// Purge time at volume (issue 17): 1, 10 and 50 million stored attempts over 30 days (2 attempts a
// delivery, 10 deliveries an event, every delivery finished), retention 14 days, so a little over
// half of it has expired. Two databases per size, seeded alike with INSERT ... SELECT
// generate_series (not through the app):
// - rows: the schema before 20261205110000_partition_by_time (plain tables, real foreign keys) and
//   the purge as it was before it, batched DELETEs of 5,000 rows (the statements below, as committed);
// - partitions: today's schema and the worker's own Purger (apps/worker/dist), which drops the day
//   partitions past retention.
// The machine is shared: the load average is printed with every figure.
import { statfsSync } from "node:fs";
import pg from "pg";
import { createEmptyDatabase, createTestDatabase, ensureTemplate, type TestDatabase } from "@msr-webhooks/testing/database";
import { migrateBefore } from "@msr-webhooks/testing/migrate-before";
import { parseArgs } from "./support/args.js";
import { nowMs } from "./support/clock.js";
import { onCleanup, runBench } from "./support/cleanup.js";
import { loadNow, machineInfo } from "./support/machine.js";
import { log, printHeader, saveResults, table } from "./support/report.js";
import { round } from "./support/stats.js";
import { quietLog as quiet, workerModules } from "./support/worker-modules.js";

const DAY_MS = 86_400_000;
const BATCH = 5000;
const CHUNK = 5_000_000;

/** The rows of `attempts` attempts, seeded in chunks with triggers and foreign-key checks off (session_replication_role). */
async function seed(url: string, attempts: number, start: Date, days: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(`INSERT INTO "Account" (id, name) VALUES ('00000000-0000-0000-0000-00000000b0b0', 'bench')`);
    await client.query(
      `INSERT INTO "Webhook" (id, type, key, endpoint, "authorId", "signingSecret")
       SELECT 'w' || i, 'TAG_PUSH', '', 'https://example.com/' || i, '00000000-0000-0000-0000-00000000b0b0', 's' FROM generate_series(0, 9) AS i`,
    );
    const events = Math.floor(attempts / 20);
    // Seconds between two events, so they spread evenly over the days.
    const step = (days * 86_400) / events;
    const at = (k: string) => `($1::timestamptz + (${k}) * ${step} * interval '1 second')`;
    const chunks = async (total: number, sql: (lo: number, hi: number) => string) => {
      for (let lo = 0; lo < total; lo += CHUNK) await client.query(sql(lo, Math.min(total, lo + CHUNK) - 1), [start.toISOString()]);
    };
    await chunks(events, (lo, hi) => `
      INSERT INTO "Event" (id, type, source, "createdAt", "receivedAt", contents, namespace, repository, status, "fannedOutAt")
      SELECT md5('e' || k)::uuid, 'TAG_PUSH', 'api', ${at("k")}, ${at("k")},
             '{"type":"TAG_PUSH","contents":{"namespace":"bench","repository":"r","tag":"latest"}}', 'bench', 'r', 'fanned_out',
             ${at("k")} + interval '1 second'
        FROM generate_series(${lo}, ${hi}) AS k`);
    await chunks(events * 10, (lo, hi) => `
      INSERT INTO "Delivery" (id, "eventId", "webhookId", status, "attemptCount", "createdAt", "updatedAt")
      SELECT md5('d' || i)::uuid, md5('e' || (i / 10))::uuid, 'w' || (i % 10), 'succeeded', 2,
             ${at("i / 10")} + interval '1 second', ${at("i / 10")} + interval '61 seconds'
        FROM generate_series(${lo}, ${hi}) AS i`);
    await chunks(events * 20, (lo, hi) => `
      INSERT INTO "DeliveryAttempt" (id, "deliveryId", number, "startedAt", "durationMs", "statusCode", "responseHeaders", "responseBody")
      SELECT md5('a' || j)::uuid, md5('d' || (j / 2))::uuid, j % 2 + 1, ${at("j / 20")} + (1 + 60 * (j % 2)) * interval '1 second', 50,
             CASE WHEN j % 2 = 0 THEN 500 ELSE 200 END, '{"content-type":["text/plain"]}', CASE WHEN j % 2 = 0 THEN 'busy' ELSE '' END
        FROM generate_series(${lo}, ${hi}) AS j`);
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

/** The purge as it was before the partitions (apps/worker/src/maintenance/purge.service.ts at 5d1d4df~1). */
async function purgeRowsAsBefore(url: string, cutoff: Date): Promise<Record<string, number>> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const finished = `('succeeded', 'failed', 'skipped')`;
  const repeat = async (text: string) => {
    let total = 0;
    for (;;) {
      const n = (await pool.query(text, [cutoff.toISOString(), BATCH])).rowCount ?? 0;
      total += n;
      if (n < BATCH) return total;
    }
  };
  try {
    const attempts = await repeat(`
      DELETE FROM "DeliveryAttempt" WHERE id IN (
        SELECT a.id FROM "DeliveryAttempt" AS a JOIN "Delivery" AS d ON d.id = a."deliveryId"
         WHERE a."startedAt" < $1::timestamptz AND d.status IN ${finished} LIMIT $2)`);
    const deliveries = await repeat(`
      DELETE FROM "Delivery" WHERE id IN (
        SELECT id FROM "Delivery" WHERE "createdAt" < $1::timestamptz AND status IN ${finished} LIMIT $2)`);
    const events = await repeat(`
      DELETE FROM "Event" WHERE id IN (
        SELECT e.id FROM "Event" AS e
         WHERE e."receivedAt" < $1::timestamptz AND e.status <> 'pending'
           AND NOT EXISTS (SELECT 1 FROM "Delivery" AS d WHERE d."eventId" = e.id) LIMIT $2)`);
    return { attempts, deliveries, events };
  } finally {
    await pool.end();
  }
}

/** The database's size, and each delivery-log table's heap and index bytes (all partitions). */
async function tableSizes(url: string): Promise<{ bytes: number; tables: Record<string, { heap: number; index: number }> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const bytes = Number((await client.query<{ b: string }>("SELECT pg_database_size(current_database()) AS b")).rows[0]?.b ?? 0);
    const tables: Record<string, { heap: number; index: number }> = {};
    for (const t of ["Event", "Delivery", "DeliveryAttempt"]) {
      const { rows } = await client.query<{ heap: string; index: string }>(
        // pg_partition_tree lists nothing for a plain table (the schema before the partitions): the table itself is added.
        `SELECT sum(pg_table_size(r)) AS heap, sum(pg_indexes_size(r)) AS index
           FROM (SELECT relid AS r FROM pg_partition_tree($1::regclass) UNION SELECT $1::regclass) AS t`,
        [`"${t}"`],
      );
      tables[t] = { heap: Number(rows[0]?.heap ?? 0), index: Number(rows[0]?.index ?? 0) };
    }
    return { bytes, tables };
  } finally {
    await client.end();
  }
}

function freeBytes(): number {
  const s = statfsSync("/");
  return s.bavail * s.bsize;
}

interface Run {
  attempts: number;
  path: "rows" | "partitions";
  seedSeconds: number;
  databaseGb: number;
  /** Heap and index bytes of each delivery-log table after the seed. */
  tables: Record<string, { heap: number; index: number }>;
  purgeSeconds: number;
  removed: Record<string, number>;
  partitionsDropped: number;
  loadBefore: string;
  loadAfter: string;
}

runBench("purge-volume", async () => {
  const args = parseArgs();
  const sizes = args.numbers("attempts", [1_000_000, 10_000_000, 50_000_000]);
  const days = args.number("days", 30);
  const retentionMs = args.number("retention-days", 14) * DAY_MS;
  const paths = args.string("paths", "rows,partitions").split(",") as Run["path"][];
  const machine = machineInfo();
  const command = `pnpm --filter @msr-webhooks/bench purge-volume ${process.argv.slice(2).join(" ")}`.trim();
  printHeader("Purge at volume: rows deleted vs partitions dropped", machine, command);
  const worker = await workerModules();
  await ensureTemplate();

  const now = new Date();
  const today = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
  const start = new Date(today.getTime() - days * DAY_MS);
  const cutoff = new Date(Math.floor((now.getTime() - retentionMs) / DAY_MS) * DAY_MS);
  const runs: Run[] = [];
  let bytesPerAttempt = 0;
  for (const attempts of sizes) {
    for (const which of paths) {
      // Room for this database and a margin (WAL, the other helpers' tests).
      const need = bytesPerAttempt * attempts + 10 * 1024 ** 3;
      if (bytesPerAttempt > 0 && need > freeBytes()) {
        log(`skipped ${attempts} attempts (${which}): needs ~${round(need / 1024 ** 3)} GB, ${round(freeBytes() / 1024 ** 3)} GB free`);
        continue;
      }
      let db: TestDatabase;
      if (which === "rows") {
        db = await createEmptyDatabase();
        await migrateBefore(db.url, "20261205110000_partition_by_time");
      } else {
        db = await createTestDatabase();
      }
      const drop = onCleanup(() => db.drop());
      const sql = worker.createSqlPool(db.url, 2);
      try {
        if (which === "partitions") await new worker.Partitions(sql, quiet).ensure(now, start);
        const t0 = nowMs();
        await seed(db.url, attempts, start, days);
        const seedSeconds = (nowMs() - t0) / 1000;
        const { bytes, tables } = await tableSizes(db.url);
        bytesPerAttempt = Math.max(bytesPerAttempt, bytes / attempts);
        const loadBefore = loadNow();
        const t1 = nowMs();
        let removed: Record<string, number>;
        let partitionsDropped = 0;
        if (which === "rows") {
          removed = await purgeRowsAsBefore(db.url, cutoff);
        } else {
          const count = async () => {
            const c = new pg.Client({ connectionString: db.url });
            await c.connect();
            const n = Number(
              (await c.query<{ n: string }>(`SELECT count(*) AS n FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid WHERE c.relkind = 'r'`)).rows[0]?.n ?? 0,
            );
            await c.end();
            return n;
          };
          const before = await count();
          removed = await new worker.Purger(sql, retentionMs, quiet).run(now);
          partitionsDropped = before - (await count());
        }
        const purgeSeconds = (nowMs() - t1) / 1000;
        const run: Run = { attempts, path: which, seedSeconds, databaseGb: bytes / 1024 ** 3, tables, purgeSeconds, removed, partitionsDropped, loadBefore, loadAfter: loadNow() };
        runs.push(run);
        log(`${attempts} attempts, ${which}: seeded in ${round(seedSeconds)} s (${round(run.databaseGb, 1)} GB), purge ${round(purgeSeconds, 2)} s, removed ${JSON.stringify(removed)}, load ${loadBefore} -> ${run.loadAfter}`);
      } finally {
        await sql.end();
        await drop();
      }
    }
  }

  const rows = runs.map((r) => [
    r.attempts.toLocaleString("en"),
    r.path,
    round(r.databaseGb, 1),
    round(r.seedSeconds),
    round(r.purgeSeconds, 2),
    `${r.removed.attempts ?? 0} / ${r.removed.deliveries ?? 0} / ${r.removed.events ?? 0}`,
    r.path === "partitions" ? r.partitionsDropped : "",
    `${r.loadBefore.split(" ")[0]} → ${r.loadAfter.split(" ")[0]}`,
  ]);
  process.stdout.write(`\n${table(["stored attempts", "path", "database GB", "seed s", "purge s", "attempts / deliveries / events removed", "partitions dropped", "load 1m"], rows)}\n`);
  const file = saveResults("purge-volume", machine, command, { days, retentionMs, cutoff, runs });
  log(`saved ${file}`);
});
