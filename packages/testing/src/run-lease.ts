// Every jest process of the workspace holds a shared PostgreSQL advisory lock while it runs (taken
// in globalSetup, released in globalTeardown or when the process dies, since it is held by a
// session). The leftover clean-up takes the same lock exclusively, so it never pulls databases or
// queue keys away from a test process that is still going on; with one running it keeps everything.
import pg from "pg";
import { adminUrl } from "./database.js";

export const TEST_RUN_LEASE = 727002;

/** Holds the lease on a connection of its own; end() the client to let it go. */
export async function holdRunLease(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: adminUrl(), application_name: "msrwh-test-run" });
  await client.connect();
  await client.query("SELECT pg_advisory_lock_shared($1)", [TEST_RUN_LEASE]);
  // A dropped connection (PostgreSQL restarted by a test) must not crash the jest process.
  client.on("error", () => undefined);
  return client;
}

/** Takes the lease exclusively if no test process holds it; false when one does. */
export async function tryExclusiveLease(client: pg.Client): Promise<boolean> {
  const res = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [TEST_RUN_LEASE]);
  return res.rows[0]?.locked === true;
}
