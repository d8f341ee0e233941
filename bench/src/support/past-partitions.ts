// The day partitions a worker with the default RETENTION (14 days) keeps behind today: a fresh
// database has only today's, the week ahead and the default (migration 20261205110000), so a
// statement that cannot name its rows' day reads fewer partitions in a bench than in production.
// The partitions made here are empty: each costs such a statement an index root page, less than a
// day of rows would, so the figure stays a lower bound of the production cost.
import type pg from "pg";

const TABLES = ["Event", "Delivery", "DeliveryAttempt"] as const;
const DAY_MS = 86_400_000;

/** Creates the day partitions of the `days` days before today (UTC), named as the worker names them. */
export async function createPastPartitions(pool: pg.Pool, days: number, now = new Date()): Promise<void> {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  for (let back = 1; back <= days; back += 1) {
    const from = new Date(today - back * DAY_MS);
    const to = new Date(from.getTime() + DAY_MS);
    const day = from.toISOString().slice(0, 10).replaceAll("-", "");
    for (const table of TABLES) {
      await pool.query(
        `CREATE TABLE IF NOT EXISTS "${table}_p${day}" PARTITION OF "${table}" FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
      );
    }
  }
}
