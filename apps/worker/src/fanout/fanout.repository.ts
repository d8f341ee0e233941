// SQL of fan-out, for a batch of events at a time: the events with the namespace and repository
// their names denoted when they were stored (by id; where nothing did, what they denote now); their matching webhooks (one indexed lookup per event,
// authors and filters joined in, only those bound to those ids); and the delivery rows written together with
// the events' fanned-out mark.
import { Prisma } from "@msr-webhooks/db/client";
import { pgJson } from "../shared/db-text.js";
import { filterOnly } from "../shared/filter-only.js";
import { firstOfEach } from "../shared/first-of-each.js";
import type { Sql } from "../shared/sql.js";
import { DUE_DELIVERY_COLUMNS, type LeasedDelivery } from "../attempts/delivery.repository.js";

export interface FanoutEvent {
  id: string;
  type: string;
  contents: unknown;
  namespace: string;
  repository: string;
  status: string;
  /** The namespace's account, as bound when the event was stored (else by its name now), when it exists. */
  namespaceId: string | null;
  /** The repository's row, likewise. */
  repositoryId: string | null;
}

export interface MatchedWebhook {
  id: string;
  type: string;
  key: string;
  /** What the webhook is bound to (both null for a global one). */
  namespaceId: string | null;
  repositoryId: string | null;
  authorId: string;
  /** Where its deliveries go (the endpoint gate's key; fan-out parks deliveries to an endpoint known to refuse). */
  endpoint: string;
  authorIsAdmin: boolean;
  authorIsActive: boolean;
  /** The webhook's filters (WebhookSettings; null without a row): applied to the matched ones only. */
  tagGlobs: string[] | null;
  repoEvents: string[] | null;
  minSeverity: string | null;
}

export interface MatchQuery {
  eventId: string;
  types: readonly string[];
  keys: readonly string[];
  /** The event's namespace and repository (FanoutEvent; null: no such account or repository). */
  namespaceId: string | null;
  repositoryId: string | null;
}

export interface NewDelivery {
  id: string;
  webhookId: string;
  status: "pending" | "skipped";
  reason: string | null;
  /** A pending delivery's first attempt time when not now: parked on arrival (isolation/arrival-parking.ts). */
  nextAttemptAt?: Date;
  /** Its first attempt is made by this worker without a job (attempts/inline-attempts.ts) until then; also its nextAttemptAt. */
  leasedUntil?: Date;
}

/**
 * The match query for a batch of events. Per event, `type = ANY(...) AND key = ANY(...) AND NOT
 * inactive` is served by the (type, key, inactive) index, so its cost follows the matches, not the
 * table. A matched webhook must also be bound to exactly the ids its key denotes for this
 * event (none for "", the namespace's for "ns", both for "ns/repo"), so one made for an earlier
 * holder of those names never matches; written as a filter the (namespaceId) index cannot serve,
 * so the planner keeps to the key index.
 */
export function matchingWebhooksSql(queries: readonly MatchQuery[]): Prisma.Sql {
  const json = pgJson(
    queries.map((q) => ({
      event_id: q.eventId,
      types: q.types,
      keys: q.keys,
      namespace_id: q.namespaceId,
      repository_id: q.repositoryId,
    })),
  );
  return Prisma.sql`
    SELECT q.event_id::text AS "eventId", w.id, w.type, w.key,
           w."namespaceId"::text AS "namespaceId", w."repositoryId"::text AS "repositoryId", w."authorId"::text AS "authorId",
           w.endpoint, a."isAdmin" AS "authorIsAdmin", a."isActive" AS "authorIsActive",
           s."tagGlobs", s."repoEvents", s."minSeverity"
      FROM jsonb_to_recordset(${json}::jsonb) AS q(event_id uuid, types text[], keys text[], namespace_id uuid, repository_id uuid)
      JOIN "Webhook" AS w ON w.type = ANY(q.types) AND w.key = ANY(q.keys) AND w.inactive = false
                         AND w."namespaceId" IS NOT DISTINCT FROM (CASE WHEN w.key <> '' THEN q.namespace_id END)
                         AND w."repositoryId" IS NOT DISTINCT FROM (CASE WHEN strpos(w.key, '/') > 0 THEN q.repository_id END)
      JOIN "Account" AS a ON a.id = w."authorId"
      LEFT JOIN "WebhookSettings" AS s ON s."webhookId" = w.id`;
}

/** The webhook keys an event about `ns/repo` matches: the repository, its namespace, and global. */
export function keysFor(namespace: string, repository: string): string[] {
  const keys = [""];
  if (namespace !== "") keys.push(namespace);
  if (namespace !== "" && repository !== "") keys.push(`${namespace}/${repository}`);
  return keys;
}

/** One event's delivery rows to write (FanoutRepository.writeDeliveries). */
export interface DeliveryWrite {
  eventId: string;
  rows: readonly NewDelivery[];
}

/**
 * The write of a batch's delivery rows and its events' fanned-out mark, returning the leased rows it
 * inserted joined with their webhook and event. The joins name the ids they may find as arrays the
 * planner can see: it estimates the inserted rows at a flat 100 (jsonb_to_recordset), and against
 * that, with 200 webhooks, it hash-joined a sequential scan of all of them for a one-row write.
 *
 * An event's rows are inserted only by the write that marks it fanned out, in the same statement:
 * a rerun or a second fan-out of the event finds it marked and inserts nothing, and one running at
 * the same time waits for the event's row lock, then finds it marked. That keeps (eventId,
 * webhookId) unique across the day partitions (migration 20261207230000), where a trigger probed
 * every partition's index for each row. An event twice in one batch has its rows written once.
 *
 * It commits without waiting for the WAL to reach the disk (synchronous_commit off for this
 * transaction only: set_config's is_local, so nothing outlives it on a pooled connection). Nothing
 * is lost by that: the event's row was committed durably before (ingest), and if PostgreSQL loses
 * this commit in a crash (at most wal_writer_delay's few hundred ms of them), the event is still
 * pending with no deliveries and the reconciler fans it out again, with the same row ids; a first
 * attempt made meanwhile may be made twice, as at-least-once allows. What it saves is one flush on
 * every event's way to its first attempt: on a virtual disk whose flushes stall now and then (docs/
 * benchmarks.md, the fifteenth run), each one in the path is a wait every delivery in flight shares.
 */
export function writeDeliveriesSql(batch: readonly DeliveryWrite[], now: Date): Prisma.Sql {
  // An event fanned out twice in one batch: its rows once.
  const rows = firstOfEach(
    batch.flatMap((b) => b.rows.map((r) => ({ ...r, eventId: b.eventId }))),
    (r) => r.id,
  );
  const json = pgJson(
    rows.map((r) => ({
      id: r.id,
      event_id: r.eventId,
      webhook_id: r.webhookId,
      status: r.status,
      reason: r.reason,
      next_attempt_at: (r.leasedUntil ?? r.nextAttemptAt)?.toISOString() ?? null,
      leased_until: r.leasedUntil?.toISOString() ?? null,
    })),
  );
  const leased = rows.filter((r) => r.leasedUntil !== undefined);
  const eventIds = [...new Set(batch.map((b) => b.eventId))];
  return Prisma.sql`
    WITH async_commit AS (
      SELECT set_config('synchronous_commit', 'off', true)
    ), fanned AS (
      UPDATE "Event" AS e SET status = 'fanned_out', "fannedOutAt" = ${now}::timestamptz
       WHERE e.id = ANY(${eventIds}::uuid[]) AND ${filterOnly(Prisma.sql`e.status = 'pending'`)}
      RETURNING e.id
    ), inserted AS (
      INSERT INTO "Delivery" (id, "eventId", "webhookId", status, reason, "nextAttemptAt", "leasedUntil", "createdAt", "updatedAt")
      SELECT r.id, r.event_id, r.webhook_id, r.status, r.reason,
             CASE WHEN r.status = 'pending' THEN COALESCE(r.next_attempt_at, ${now}::timestamptz) END,
             CASE WHEN r.status = 'pending' THEN r.leased_until END, ${now}::timestamptz, ${now}::timestamptz
        FROM jsonb_to_recordset(${json}::jsonb)
             AS r(id uuid, event_id uuid, webhook_id text, status text, reason text, next_attempt_at timestamptz, leased_until timestamptz)
             JOIN fanned ON fanned.id = r.event_id
             CROSS JOIN async_commit
      RETURNING *
    )
    SELECT ${DUE_DELIVERY_COLUMNS}, w.inactive AS "webhookInactive"
      FROM inserted AS d
      JOIN "Webhook" AS w ON w.id = d."webhookId" AND w.id = ANY(${[...new Set(leased.map((r) => r.webhookId))]}::text[])
      JOIN "Event" AS e ON e.id = d."eventId" AND e.id = ANY(${[...new Set(leased.map((r) => r.eventId))]}::uuid[])
     WHERE d."leasedUntil" IS NOT NULL`;
}

export class FanoutRepository {
  constructor(private readonly sql: Sql) {}

  loadEvents(eventIds: readonly string[]): Promise<FanoutEvent[]> {
    return this.sql.query<FanoutEvent>(
      Prisma.sql`
      SELECT e.id::text AS id, e.type, e.contents, e.namespace, e.repository, e.status,
             COALESCE(e."namespaceId", ns.id)::text AS "namespaceId", COALESCE(e."repositoryId", r.id)::text AS "repositoryId"
        FROM "Event" AS e
        -- Bound when stored (event-store.ts); looked up by name only where nothing was bound then.
        LEFT JOIN "Account" AS ns ON e."namespaceId" IS NULL AND ns.name = e.namespace AND e.namespace <> ''
        LEFT JOIN "Repository" AS r ON e."repositoryId" IS NULL AND r."namespaceId" = COALESCE(e."namespaceId", ns.id)
                                   AND r.name = e.repository
       WHERE e.id = ANY(${eventIds}::uuid[])`,
      "worker-fanout-events",
    );
  }

  matching(queries: readonly MatchQuery[]): Promise<(MatchedWebhook & { eventId: string })[]> {
    return this.sql.query<MatchedWebhook & { eventId: string }>(matchingWebhooksSql(queries), "worker-fanout-match");
  }

  /**
   * Inserts the rows of every event in the batch that is still pending and marks those events fanned
   * out, atomically (a rerun adds nothing). Returns the leased rows it inserted (a row
   * already there keeps its own state), each with what its attempt needs, as the job's load gives it:
   * the first attempt made without a job reads nothing more before its request.
   */
  async writeDeliveries(batch: readonly DeliveryWrite[], now: Date): Promise<Map<string, LeasedDelivery>> {
    const leased = await this.sql.query<LeasedDelivery>(writeDeliveriesSql(batch, now), "worker-fanout-write");
    return new Map(leased.map((r) => [r.id, r]));
  }

  /** Deliveries of an already fanned-out event still waiting for their first attempt (a rerun re-queues them). */
  async pendingDeliveryIds(eventId: string): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(Prisma.sql`
      SELECT d.id::text AS id FROM "Delivery" AS d
       WHERE d."eventId" = ${eventId}::uuid AND ${filterOnly(Prisma.sql`d.status = 'pending'`)} AND d."attemptCount" = 0`);
    return rows.map((r) => r.id);
  }
}
