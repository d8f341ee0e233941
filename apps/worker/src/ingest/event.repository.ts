// SQL of ingest: store a producer's event (accepted or rejected) once, and the producer-id
// bookkeeping behind the 24-hour duplicate window.
import { Prisma } from "@msr-webhooks/db/client";
import { pgJson } from "@msr-webhooks/db/db-text";
import type { Sql } from "../shared/sql.js";
import type { EventStatus } from "@msr-webhooks/events/statuses";

export interface NewEventRow {
  id: string;
  producerId: string | null;
  type: string;
  createdAt: Date;
  /** The envelope's createdAt as delivered (Go's form, every digit the producer gave); null for a rejected event. */
  createdAtText: string | null;
  contents: unknown;
  location: string | null;
  namespace: string;
  repository: string;
  status: Extract<EventStatus, "pending" | "rejected">;
  reason: string | null;
  receivedAt: Date;
}

export interface ExistingEvent {
  id: string;
  status: string;
  producerId: string | null;
  receivedAt: Date;
}

export class EventRepository {
  constructor(private readonly sql: Sql) {}

  /** The ids of the rows written; a row whose id or producer id is already taken is left out. */
  async insertMany(events: readonly NewEventRow[]): Promise<Set<string>> {
    const json = pgJson(
      events.map((e) => ({
        id: e.id,
        producer_id: e.producerId,
        type: e.type,
        // The text where there is one, so that timestamptz keeps its microseconds (a Date has milliseconds).
        created_at: e.createdAtText ?? e.createdAt,
        created_at_text: e.createdAtText,
        received_at: e.receivedAt,
        contents: e.contents,
        location: e.location,
        namespace: e.namespace,
        repository: e.repository,
        status: e.status,
        reason: e.reason,
      })),
    );
    const rows = await this.sql.query<{ id: string }>(
      Prisma.sql`
      INSERT INTO "Event" (id, "producerId", type, source, "createdAt", "createdAtText", "receivedAt", contents,
                           location, namespace, repository, status, reason)
      SELECT e.id, e.producer_id, e.type, 'queue', e.created_at, e.created_at_text, e.received_at, e.contents,
             e.location, e.namespace, e.repository, e.status, e.reason
        -- json, not jsonb, all the way: jsonb would sort the contents' keys; json keeps the text as written.
        FROM json_to_recordset(${json}::json)
             AS e(id uuid, producer_id text, type text, created_at timestamptz, created_at_text text,
                  received_at timestamptz, contents json, location text, namespace text, repository text,
                  status text, reason text)
      ON CONFLICT DO NOTHING
      RETURNING id::text AS id`,
      "worker-ingest-insert",
    );
    return new Set(rows.map((r) => r.id));
  }

  async conflicting(id: string, producerId: string | null): Promise<ExistingEvent[]> {
    return this.sql.query<ExistingEvent>(Prisma.sql`
      SELECT id::text AS id, status, "producerId" AS "producerId", "receivedAt" AS "receivedAt"
        FROM "Event" WHERE id = ${id}::uuid OR ("producerId" IS NOT NULL AND "producerId" = ${producerId}::text)`);
  }

  /** Frees a producer id whose duplicate window has passed, so a new event may carry it. */
  async releaseProducerId(eventId: string, producerId: string): Promise<boolean> {
    const count = await this.sql.execute(Prisma.sql`
      UPDATE "Event" SET "producerId" = NULL WHERE id = ${eventId}::uuid AND "producerId" = ${producerId}`);
    return count === 1;
  }
}
