// The worker's SQL executor: a plain pg pool. Hot paths (delivery loads, attempt records, fan-out, ingest)
// run many small statements per second, and the ORM's per-query cost would dominate them; statements
// are still written as Prisma.sql tagged templates, so every value is a bound parameter.
import pg from "pg";
import type { Prisma } from "@msr-webhooks/db/client";

export interface Sql {
  /** Rows of one statement. `name` makes it a prepared statement (for fixed, frequent texts). */
  query<Row>(statement: Prisma.Sql, name?: string): Promise<Row[]>;
  /** Rows affected by one statement. */
  execute(statement: Prisma.Sql): Promise<number>;
  end(): Promise<void>;
}

export function createSqlPool(url: string, max: number): Sql {
  // A statement that hangs must fail (and its jobs retry) rather than hold a batch forever.
  const pool = new pg.Pool({ connectionString: url, max, statement_timeout: 30_000, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its connection emits on the pool; without a listener that would crash.
  pool.on("error", () => undefined);
  return {
    async query<Row>(statement: Prisma.Sql, name?: string) {
      const result = await pool.query<Row & pg.QueryResultRow>({ text: statement.text, values: statement.values, ...(name ? { name } : {}) });
      return result.rows;
    },
    async execute(statement: Prisma.Sql) {
      const result = await pool.query({ text: statement.text, values: statement.values });
      return result.rowCount ?? 0;
    },
    end: () => pool.end(),
  };
}
