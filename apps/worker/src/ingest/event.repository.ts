// SQL of ingest: the db package's event store (the one the API's event recorder uses) over the
// worker's pg pool.
import { storeEvents, type EventRow, type StoreResult } from "@msr-webhooks/db/event-store";
import type { Sql } from "../shared/sql.js";

/** A producer's event as ingest stores it (accepted or rejected). */
export type NewEventRow = Omit<EventRow, "source">;

export class EventRepository {
  constructor(private readonly sql: Sql) {}

  /** Stores each row once (results in input order): see storeEvents for the producer-id window. */
  store(rows: readonly NewEventRow[], dedupeWindowMs: number): Promise<StoreResult[]> {
    return storeEvents(this.sql, rows.map((r) => ({ ...r, source: "queue" as const })), dedupeWindowMs);
  }
}
