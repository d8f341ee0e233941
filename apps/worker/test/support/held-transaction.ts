// A writer held inside an open transaction, for tests of what a second writer does while the first
// holds its row locks: the first writer's statements run on a connection of their own (`sql`, the
// worker's SQL executor over it), `untilOthersWait` returns once another connection of the test
// database waits for a lock, and `end` commits or rolls back.
import pg from "pg";
import type { Sql } from "../../src/shared/sql.js";
import { waitUntil } from "./wait.js";

export interface HeldTransaction {
  sql: Sql;
  untilOthersWait(): Promise<void>;
  end(outcome: "commit" | "rollback"): Promise<void>;
}

export async function holdTransaction(databaseUrl: string): Promise<HeldTransaction> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("BEGIN");
  const sql: Sql = {
    query: async (statement) => (await client.query({ text: statement.text, values: statement.values })).rows,
    execute: async (statement) => (await client.query({ text: statement.text, values: statement.values })).rowCount ?? 0,
    end: async () => undefined,
  };
  return {
    sql,
    async untilOthersWait() {
      await waitUntil(
        async () => {
          // Inside a transaction PostgreSQL keeps the first reading of pg_stat_activity: read afresh.
          await client.query("SELECT pg_stat_clear_snapshot()");
          const { rows } = await client.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
          );
          return (rows[0]?.n ?? 0) > 0;
        },
        { what: "another connection waiting for a lock the held transaction has" },
      );
    },
    async end(outcome) {
      try {
        await client.query(outcome === "commit" ? "COMMIT" : "ROLLBACK");
      } finally {
        await client.end();
      }
    },
  };
}
