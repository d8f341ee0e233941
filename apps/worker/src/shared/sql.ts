// The worker's SQL executor: a plain pg pool. Hot paths (delivery loads, attempt records, fan-out, ingest)
// run many small statements per second, and the ORM's per-query cost would dominate them; statements
// are still written as Prisma.sql tagged templates, so every value is a bound parameter.
import pg from "pg";
import type { Prisma } from "@msr-webhooks/db/client";

export interface Sql {
  /** Rows of one statement. `name` makes it a prepared statement (for fixed, frequent texts; not behind PgBouncer). */
  query<Row>(statement: Prisma.Sql, name?: string): Promise<Row[]>;
  /** Rows affected by one statement. */
  execute(statement: Prisma.Sql): Promise<number>;
  end(): Promise<void>;
}

const STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Whether the URL leads through PgBouncer in transaction mode (`pgbouncer=true`, as Prisma spells
 * it): one client's statements then run on whichever server connection is free, so nothing may
 * live in a session. No statement_timeout startup parameter (PgBouncer refuses the connection),
 * and no named prepared statements (PgBouncer before 1.21 does not carry them across connections).
 */
export function behindPgBouncer(url: string): boolean {
  try {
    return new URL(url).searchParams.get("pgbouncer") === "true";
  } catch {
    return false;
  }
}

export function createSqlPool(url: string, max: number): Sql {
  const pooled = behindPgBouncer(url);
  // A statement that hangs must fail (and its jobs retry) rather than hold a batch forever: the
  // server ends it, or behind PgBouncer the client gives up and drops its connection (PgBouncer
  // then closes the server connection; its own query_timeout can end the statement sooner).
  const timeout = pooled ? { query_timeout: STATEMENT_TIMEOUT_MS } : { statement_timeout: STATEMENT_TIMEOUT_MS };
  const pool = new pg.Pool({ connectionString: url, max, ...timeout, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its connection emits on the pool; without a listener that would crash.
  pool.on("error", () => undefined);
  return {
    async query<Row>(statement: Prisma.Sql, name?: string) {
      const prepared = name && !pooled ? { name } : {};
      const result = await pool.query<Row & pg.QueryResultRow>({ text: statement.text, values: statement.values, ...prepared });
      return result.rows;
    },
    async execute(statement: Prisma.Sql) {
      const result = await pool.query({ text: statement.text, values: statement.values });
      return result.rowCount ?? 0;
    },
    end: () => pool.end(),
  };
}
