// A stand-in for autovacuum where the server has it off (this machine's PostgreSQL runs with
// `autovacuum = off`, a CI setting; a per-table setting cannot turn it back on): VACUUM ANALYZE of
// the tables that churn, every autovacuum_naptime (1 min by default), throttled as autovacuum is
// (autovacuum_vacuum_cost_delay 2 ms per vacuum_cost_limit 200). Without it, a soak measures the
// server's configuration (dead tuples and table sizes climbing for ever), not the application.
// Unthrottled, as first written, each VACUUM took 1.4-1.7 s of a core at 440 deliveries/s and
// doubled the p99 of the window it ran in (55 -> 95-111 ms): a cost autovacuum does not have.
// Where the server can be changed, `ALTER SYSTEM SET autovacuum = on` is closer still.
import type pg from "pg";
import { onCleanup } from "./cleanup.js";

const TABLES = `"Event", "Delivery", "DeliveryAttempt"`;

export async function autovacuumIsOn(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ autovacuum: string }>("SHOW autovacuum");
  return rows[0]?.autovacuum === "on";
}

/** Starts the stand-in; returns how many VACUUMs it has run so far, and stop(). */
export function startStandInVacuum(pool: pg.Pool, everyMs = 60_000): { runs(): number; stop(): Promise<void> } {
  let runs = 0;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(async () => {
      const client = await pool.connect();
      try {
        await client.query("SET vacuum_cost_delay = '2ms'");
        await client.query("SET vacuum_cost_limit = 200");
        await client.query(`VACUUM (ANALYZE) ${TABLES}`);
        runs += 1;
      } catch {
        // A failed run is skipped; the next one comes a minute later.
      } finally {
        client.release(true);
      }
    });
  }, everyMs);
  const stop = onCleanup(async () => {
    clearInterval(timer);
    await running;
  });
  return { runs: () => runs, stop };
}
