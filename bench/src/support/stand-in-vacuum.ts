// A stand-in for autovacuum where the server has it off (this machine's PostgreSQL runs with
// `autovacuum = off`, a CI setting; a per-table setting cannot turn it back on): VACUUM ANALYZE of
// the tables that churn, every autovacuum_naptime (1 min by default). Without it, a soak measures
// the server's configuration (dead tuples and table sizes climbing for ever), not the application.
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
      await pool.query(`VACUUM (ANALYZE) ${TABLES}`).then(() => (runs += 1), () => undefined);
    });
  }, everyMs);
  const stop = onCleanup(async () => {
    clearInterval(timer);
    await running;
  });
  return { runs: () => runs, stop };
}
