// Storing events, once, for both apps: the API (repository changes, POST /events, registry
// notifications; inside the caller's transaction) and the worker (producers' BullMQ jobs, many jobs'
// events in one statement). Plain SQL over a SqlRunner (the API's Prisma client or transaction, the
// worker's pg pool): the contents column is json, written from the producer's own text and key order.
// A producer's id is deduplicated within a window (PRODUCER_DEDUPE_WINDOW, 24 hours by default,
// delivery.md "Producers"): a repeat inside it is not stored and names the first event; past the
// window the old event keeps its row and gives up the id. Each event is bound to the namespace account
// and repository its names denote as it is stored (their ids), which fan-out matches webhooks by.
import { Prisma } from "../generated/client/index.js";
import { pgJson, pgText } from "./db-text.js";
import type { SqlRunner } from "./sql-runner.js";

export { prismaRunner, type SqlRunner } from "./sql-runner.js";


/** The default of PRODUCER_DEDUPE_WINDOW. */
export const DEFAULT_PRODUCER_DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface EventRow {
  id: string;
  producerId: string | null;
  type: string;
  source: "api" | "http" | "distribution" | "queue";
  createdAt: Date;
  /** The envelope's createdAt as delivered (Go's form, every digit given); null for a rejected event. */
  createdAtText: string | null;
  receivedAt: Date;
  contents: unknown;
  location: string | null;
  namespace: string;
  repository: string;
  status: "pending" | "rejected";
  reason: string | null;
}

/** The namespace and repository a stored event's names denoted when it was stored (null: none). */
export interface BoundScope {
  namespaceId: string | null;
  repositoryId: string | null;
}

/**
 * What became of one row: stored (with what its names were bound to); already there under its own
 * id (a retried job: `status` says what it became); or a duplicate of the event that holds its
 * producer id within the window.
 */
export type StoreResult =
  | ({ outcome: "stored"; id: string } & BoundScope)
  | { outcome: "exists"; id: string; status: string }
  | { outcome: "duplicate"; id: string };

/** A row that conflicts with none and is not there may have met a holder that gave its id up meanwhile. */
const MAX_ROUNDS = 3;

/** Stores `rows` (in one statement a round), each once; results in input order. */
export async function storeEvents(db: SqlRunner, rows: readonly EventRow[], windowMs: number): Promise<StoreResult[]> {
  const results = new Array<StoreResult | undefined>(rows.length);
  let open = rows.map((r, index) => ({ index, row: r.producerId === null ? r : { ...r, producerId: pgText(r.producerId) } }));
  for (let round = 0; round < MAX_ROUNDS && open.length > 0; round += 1) {
    const batch = open.map((o) => o.row);
    await releaseExpired(db, batch, windowMs);
    const inserted = await insert(db, batch);
    for (const o of open) {
      const bound = inserted.get(o.row.id);
      if (bound !== undefined) results[o.index] = { outcome: "stored", id: o.row.id, ...bound };
    }
    const missing = open.filter((o) => !inserted.has(o.row.id));
    open = [];
    if (missing.length === 0) break;
    const existing = await conflicting(db, missing.map((o) => o.row));
    for (const o of missing) {
      const self = existing.find((e) => e.id === o.row.id);
      const holder = o.row.producerId === null ? undefined : existing.find((e) => e.producerId === o.row.producerId);
      if (self !== undefined) results[o.index] = { outcome: "exists", id: self.id, status: self.status };
      else if (holder !== undefined) results[o.index] = { outcome: "duplicate", id: holder.id };
      else open.push(o);
    }
  }
  if (open.length > 0) {
    const ids = open.map((o) => String(o.row.producerId)).join(", ");
    throw new Error(`events could not be stored: producer ids kept conflicting (${ids})`);
  }
  return results as StoreResult[];
}

/** Past the window a producer id may be used again: the earlier event keeps its row, not the id. */
async function releaseExpired(db: SqlRunner, rows: readonly EventRow[], windowMs: number): Promise<void> {
  const withIds = rows.filter((r) => r.producerId !== null);
  if (withIds.length === 0) return;
  const producerIds = withIds.map((r) => r.producerId as string);
  const cutoffs = withIds.map((r) => new Date(r.receivedAt.getTime() - windowMs).toISOString());
  await db.execute(Prisma.sql`
    UPDATE "Event" AS e SET "producerId" = NULL
      FROM unnest(${producerIds}::text[], ${cutoffs}::timestamptz[]) AS p(producer_id, cutoff)
     WHERE e."producerId" = p.producer_id AND e."producerId" = ANY(${producerIds}::text[]) AND e."receivedAt" <= p.cutoff`);
}

/** The rows written, by id, with what they were bound to; a row whose id or producer id is already taken is left out. */
async function insert(db: SqlRunner, rows: readonly EventRow[]): Promise<Map<string, BoundScope>> {
  // The rows as they are (json_to_recordset reads the fields by name), but for createdAt: the text
  // where there is one, so that timestamptz keeps its microseconds (a Date has milliseconds).
  const json = pgJson(rows.map((e) => ({ ...e, createdAt: e.createdAtText ?? e.createdAt })));
  const stored = await db.query<{ id: string } & BoundScope>(
    Prisma.sql`
    INSERT INTO "Event" (id, "producerId", type, source, "createdAt", "createdAtText", "receivedAt", contents,
                         location, namespace, repository, "namespaceId", "repositoryId", status, reason)
    SELECT e.id, e."producerId", e.type, e.source, e."createdAt", e."createdAtText", e."receivedAt", e.contents,
           e.location, e.namespace, e.repository, ns.id, r.id, e.status, e.reason
      -- json, not jsonb, all the way: jsonb would sort the contents' keys; json keeps the text as written.
      FROM json_to_recordset(${json}::json)
           AS e(id uuid, "producerId" text, type text, source text, "createdAt" timestamptz, "createdAtText" text,
                "receivedAt" timestamptz, contents json, location text, namespace text, repository text,
                status text, reason text)
      -- Bound to what its names denote now: fan-out matches by these ids, whoever holds the names by then.
      LEFT JOIN "Account" AS ns ON ns.name = e.namespace AND e.namespace <> ''
      LEFT JOIN "Repository" AS r ON r."namespaceId" = ns.id AND r.name = e.repository
    ON CONFLICT DO NOTHING
    RETURNING id::text AS id, "namespaceId"::text AS "namespaceId", "repositoryId"::text AS "repositoryId"`,
    "store-events-insert",
  );
  return new Map(stored.map(({ id, namespaceId, repositoryId }) => [id, { namespaceId, repositoryId }]));
}

interface ExistingEvent {
  id: string;
  status: string;
  producerId: string | null;
}

async function conflicting(db: SqlRunner, rows: readonly EventRow[]): Promise<ExistingEvent[]> {
  const ids = rows.map((r) => r.id);
  const producerIds = rows.flatMap((r) => (r.producerId === null ? [] : [r.producerId]));
  return db.query<ExistingEvent>(Prisma.sql`
    SELECT id::text AS id, status, "producerId" AS "producerId"
      FROM "Event" WHERE id = ANY(${ids}::uuid[]) OR "producerId" = ANY(${producerIds}::text[])`);
}
