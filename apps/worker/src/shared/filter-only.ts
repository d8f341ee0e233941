// Conditions PostgreSQL must check on rows it found by id, never use to find rows.
//
// The hot statements look rows up by primary key (a job's delivery, a batch of ids) and then check
// their status. ANALYZE mostly sees finished rows, so the planner believed few were open and
// answered `status IN ('pending', 'retrying')` from an index on status instead, walking every open
// row: with 20,000 deliveries queued that made each batched load of due deliveries take 10 ms
// (bench/, docs/benchmarks.md), and a backlog after an outage would be scanned once per batch.
// (Delivery has no such index any more, DeliveryDue answers that question, but Event still has one.)
// `(condition) IS TRUE` means the same for these non-null columns, and no index can answer it.
import { Prisma } from "@msr-webhooks/db/client";

export function filterOnly(condition: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(${condition}) IS TRUE`;
}
