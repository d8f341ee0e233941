// The filler of the cost benchmark, in set-based SQL: other users' subscriptions (every type, over
// 1,000 namespaces of 100 repositories, 2% inactive) and a delivery log (events, deliveries and one
// attempt each) for the measured user's webhooks.
import type pg from "pg";
import { SUBSCRIPTION_TYPES } from "@msr-webhooks/events/types";

const FILLER_USERS = 1000;
/** Any valid secret: filler subscriptions never receive anything. */
const FILLER_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

function scopeOf(type: string): "repo" | "ns" | "global" {
  if (type === "SCANNER_UPDATE_COMPLETED") return "global";
  if (type.startsWith("REPO_")) return "ns";
  return "repo";
}

export async function seedFillerSubscriptions(pool: pg.Pool, count: number): Promise<void> {
  if (count <= 0) return;
  await pool.query(
    `INSERT INTO "Account" (id, name) SELECT md5('filler-' || k)::uuid, 'filler-' || k FROM generate_series(0, $1 - 1) AS k`,
    [FILLER_USERS],
  );
  // Subscriptions are bound to what their keys name: each filler namespace gets its 100 repositories.
  await pool.query(
    `INSERT INTO "Repository" (id, "namespaceId", name)
     SELECT md5('filler-' || k || '/repo-' || j)::uuid, md5('filler-' || k)::uuid, 'repo-' || j
       FROM generate_series(0, $1 - 1) AS k, generate_series(0, 99) AS j`,
    [FILLER_USERS],
  );
  const types = [...SUBSCRIPTION_TYPES];
  await pool.query(
    `INSERT INTO "Webhook" (id, type, key, "namespaceId", "repositoryId", endpoint, "authorId", "createdAt", inactive, "skipTLSVerification", "signingSecret")
     SELECT encode(sha256(convert_to('filler-webhook-' || i, 'UTF8')), 'hex'), t.type,
            CASE t.scope WHEN 'repo' THEN 'filler-' || (i % $2) || '/repo-' || ((i / $2) % 100)
                         WHEN 'ns' THEN 'filler-' || (i % $2) ELSE '' END,
            CASE t.scope WHEN 'global' THEN NULL ELSE md5('filler-' || (i % $2))::uuid END,
            CASE t.scope WHEN 'repo' THEN md5('filler-' || (i % $2) || '/repo-' || ((i / $2) % 100))::uuid END,
            'https://hooks.example.com/' || i, md5('filler-' || (i % $2))::uuid,
            now() - make_interval(secs => $1 - i), i % 50 = 0, false, $5
       FROM generate_series(1, $1) AS i,
            LATERAL (SELECT ($3::text[])[1 + i % cardinality($3::text[])] AS type,
                            ($4::text[])[1 + i % cardinality($4::text[])] AS scope) AS t`,
    [count, FILLER_USERS, types, types.map(scopeOf), FILLER_SECRET],
  );
}

/**
 * `attempts` delivered attempts (one per delivery) spread evenly over the given webhooks, one event
 * per second of history, newest now. Written with the tables' triggers off
 * (session_replication_role = replica, on one connection of the bench's superuser): the insert
 * triggers of the day partitions (migration 20261205111000_partition_insert_checks) hold an advisory
 * lock per event and per delivery until the statement's transaction ends, and 100,000 of them ran
 * PostgreSQL's lock table out of shared memory; in chunks, their probes made 100,000 attempts take
 * 726 s to seed. The rows here are unique by construction and none is open, so nothing the triggers
 * keep (uniqueness, DeliveryDue) is missed.
 */
export async function seedDeliveryLog(pool: pg.Pool, webhookIds: readonly string[], attempts: number, namespace: string, repository: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await insertDeliveryLog(client, webhookIds, attempts, namespace, repository);
  } finally {
    await client.query("RESET session_replication_role").catch(() => undefined);
    client.release();
  }
}

async function insertDeliveryLog(client: pg.PoolClient, webhookIds: readonly string[], attempts: number, namespace: string, repository: string): Promise<void> {
  const events = Math.ceil(attempts / webhookIds.length);
  const contents = { namespace, repository, tag: "latest", digest: "sha256:" + "a".repeat(64), imageName: `r/${namespace}/${repository}:latest`, os: "linux", architecture: "amd64", author: "", pushedAt: "2026-01-01T00:00:00Z" };
  await client.query(
    `INSERT INTO "Event" (id, type, source, "createdAt", "receivedAt", contents, namespace, repository, status, "fannedOutAt")
     SELECT md5('log-event-' || j)::uuid, 'TAG_PUSH', 'queue', ts, ts, $2::jsonb, $3, $4, 'fanned_out', ts
       FROM generate_series(1, $1) AS j, LATERAL (SELECT now() - make_interval(secs => $1 - j + 60) AS ts) AS x`,
    [events, JSON.stringify(contents), namespace, repository],
  );
  await client.query(
    `INSERT INTO "Delivery" (id, "eventId", "webhookId", status, "attemptCount", "createdAt", "updatedAt")
     SELECT md5('log-delivery-' || j || '-' || w)::uuid, md5('log-event-' || j)::uuid, w, 'succeeded', 1, ts, ts
       FROM generate_series(1, $1) AS j, unnest($2::text[]) AS w,
            LATERAL (SELECT now() - make_interval(secs => $1 - j + 60) AS ts) AS x`,
    [events, webhookIds],
  );
  await client.query(
    `INSERT INTO "DeliveryAttempt" (id, "deliveryId", "webhookId", number, trigger, "startedAt", "durationMs", "statusCode", "responseHeaders", "responseBody")
     SELECT gen_random_uuid(), d.id, d."webhookId", 1, 'scheduled', d."createdAt", 3, 200, '{"content-length":"0"}', '' FROM "Delivery" AS d`,
  );
}

/**
 * Per-webhook filters (issue 20's WebhookSettings): tag globs the event's tag ("latest") fails on the
 * `skipping` webhooks and passes on the `passing` ones, and a settings row on every tenth filler
 * webhook (its endpoint ends in 0), so the fan-out's join reads a table of realistic size. ANALYZEd.
 */
export async function seedFilters(pool: pg.Pool, webhooks: { skipping: readonly string[]; passing: readonly string[] }): Promise<void> {
  const insert = `INSERT INTO "WebhookSettings" ("webhookId", format, "tagGlobs", "updatedAt")`;
  await pool.query(`${insert} SELECT unnest($1::text[]), 'msr', ARRAY['v*', 'release-*'], now()`, [webhooks.skipping]);
  await pool.query(`${insert} SELECT unnest($1::text[]), 'msr', ARRAY['lat*'], now()`, [webhooks.passing]);
  await pool.query(`${insert} SELECT id, 'msr', ARRAY['v*'], now() FROM "Webhook" WHERE endpoint LIKE 'https://hooks.example.com/%0'`);
  await pool.query(`ANALYZE "WebhookSettings"`);
}

export async function clearFilters(pool: pg.Pool): Promise<void> {
  await pool.query(`DELETE FROM "WebhookSettings"`);
  await pool.query(`ANALYZE "WebhookSettings"`);
}
