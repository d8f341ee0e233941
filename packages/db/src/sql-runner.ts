// How the db package's plain-SQL rules (access, storing an event) reach PostgreSQL: statements
// written as Prisma.sql templates (every value a bound parameter), run by whichever client the app
// has. The worker passes its pg pool (which already has this shape); the API wraps its Prisma
// client or an interactive transaction's client (prismaRunner). See docs/architecture.md.
import type { Prisma, PrismaClient } from "../generated/client/index.js";

export interface SqlRunner {
  /** Rows of one statement; `name` makes it a prepared statement where the runner supports that. */
  query<Row>(statement: Prisma.Sql, name?: string): Promise<Row[]>;
  /** Rows affected by one statement. */
  execute(statement: Prisma.Sql): Promise<number>;
}

/** A SqlRunner over a Prisma client or an interactive transaction's client. */
export function prismaRunner(db: PrismaClient | Prisma.TransactionClient): SqlRunner {
  return {
    query: <Row>(statement: Prisma.Sql) => db.$queryRaw<Row[]>(statement),
    execute: (statement: Prisma.Sql) => db.$executeRaw(statement),
  };
}
