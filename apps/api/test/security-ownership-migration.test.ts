// The migration that binds webhooks to ids (20261204000000_bind_webhooks_by_id), applied by
// `prisma migrate deploy` to a database that holds data from before it: keys are backfilled into
// ids, subscriptions made for an account or repository that is gone (or whose name was taken
// again since) go, and afterwards the ids cascade and must follow the key's shape.
import { randomUUID } from "node:crypto";
import { createPrisma, type PrismaClient } from "@msr-webhooks/db/client";
import { runMigrations } from "@msr-webhooks/db/migrate";
import { createEmptyDatabase, type TestDatabase } from "@msr-webhooks/testing/database";
import { migrateBefore } from "@msr-webhooks/testing/migrate-before";

const MIGRATION = "20261204000000_bind_webhooks_by_id";

let database: TestDatabase;
let client: PrismaClient;

const T0 = "2026-01-01T00:00:00Z";
const LATER = "2026-03-01T00:00:00Z";
const ids = {
  alice: randomUUID(),
  acme: randomUUID(),
  app: randomUUID(),
  // Re-created after the webhooks below were made: it is not what they were made for.
  retaken: randomUUID(),
  redone: randomUUID(),
};

async function insertWebhook(id: string, key: string, namespace: string, createdAt: string): Promise<void> {
  await client.$executeRawUnsafe(
    `INSERT INTO "Webhook" (id, type, key, namespace, endpoint, "authorId", "createdAt", "signingSecret")
     VALUES ($1, 'TAG_PUSH', $2, $3, 'https://example.com/h', $4::uuid, $5::timestamptz, 'whsec_x')`,
    id,
    key,
    namespace,
    ids.alice,
    createdAt,
  );
}

beforeAll(async () => {
  database = await createEmptyDatabase();
  await migrateBefore(database.url, MIGRATION);
  client = createPrisma({ url: database.url, poolSize: 1 });

  const account = (id: string, name: string, createdAt: string, isOrg = true) =>
    client.$executeRawUnsafe(
      `INSERT INTO "Account" (id, name, "isOrg", "createdAt") VALUES ($1::uuid, $2, $3, $4::timestamptz)`,
      id,
      name,
      isOrg,
      createdAt,
    );
  const repository = (id: string, namespaceId: string, name: string, createdAt: string) =>
    client.$executeRawUnsafe(
      `INSERT INTO "Repository" (id, "namespaceId", name, "createdAt") VALUES ($1::uuid, $2::uuid, $3, $4::timestamptz)`,
      id,
      namespaceId,
      name,
      createdAt,
    );
  await account(ids.alice, "alice", T0, false);
  await account(ids.acme, "acme", T0);
  await repository(ids.app, ids.acme, "app", T0);
  await repository(ids.redone, ids.acme, "redone", LATER);
  await account(ids.retaken, "retaken", LATER);

  await insertWebhook("repo", "acme/app", "acme", "2026-02-01T00:00:00Z");
  await insertWebhook("namespace", "acme", "acme", "2026-02-01T00:00:00Z");
  await insertWebhook("global", "", "", "2026-02-01T00:00:00Z");
  await insertWebhook("own-namespace", "alice", "alice", "2026-02-01T00:00:00Z");
  // Made within the allowance for clock skew before its account: still its own.
  await insertWebhook("skewed", "acme/app", "acme", "2025-12-31T23:59:30Z");
  await insertWebhook("gone-account", "deleted-org/app", "deleted-org", "2026-02-01T00:00:00Z");
  await insertWebhook("gone-repository", "acme/deleted", "acme", "2026-02-01T00:00:00Z");
  await insertWebhook("retaken-account", "retaken", "retaken", "2026-02-01T00:00:00Z");
  await insertWebhook("retaken-repository", "acme/redone", "acme", "2026-02-01T00:00:00Z");
  const eventId = randomUUID();
  await client.$executeRawUnsafe(
    `INSERT INTO "Event" (id, type, source, "createdAt", contents, namespace, repository)
     VALUES ($1::uuid, 'TAG_PUSH', 'test', now(), '{}', 'deleted-org', 'app')`,
    eventId,
  );
  await client.$executeRawUnsafe(
    `INSERT INTO "Delivery" (id, "eventId", "webhookId") VALUES ($1::uuid, $2::uuid, 'gone-account')`,
    randomUUID(),
    eventId,
  );

  const applied = await runMigrations(database.url);
  expect(applied).toContain(MIGRATION);
});

afterAll(async () => {
  await client?.$disconnect();
  await database?.drop();
});

async function bindings(): Promise<Record<string, [string | null, string | null]>> {
  const rows = await client.$queryRawUnsafe<{ id: string; namespaceId: string | null; repositoryId: string | null }[]>(
    `SELECT id, "namespaceId"::text AS "namespaceId", "repositoryId"::text AS "repositoryId" FROM "Webhook" ORDER BY id`,
  );
  return Object.fromEntries(rows.map((r) => [r.id, [r.namespaceId, r.repositoryId]]));
}

it("binds every subscription to the ids its key named when it was made", async () => {
  expect(await bindings()).toEqual({
    repo: [ids.acme, ids.app],
    namespace: [ids.acme, null],
    global: [null, null],
    "own-namespace": [ids.alice, null],
    skewed: [ids.acme, ids.app],
  });
});

it("deletes the subscriptions of deleted accounts and repositories, and of names taken again since, with their deliveries", async () => {
  const rest = await client.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "Delivery"`);
  expect(rest).toEqual([{ n: 0 }]);
});

it("drops the name column and makes the ids follow the key's shape", async () => {
  const columns = await client.$queryRawUnsafe<{ column_name: string }[]>(
    `SELECT column_name::text FROM information_schema.columns
      WHERE table_name = 'Webhook' AND column_name IN ('namespace', 'namespaceId', 'repositoryId') ORDER BY 1`,
  );
  expect(columns.map((r) => r.column_name)).toEqual(["namespaceId", "repositoryId"]);
  const insert = (key: string, namespaceId: string | null, repositoryId: string | null) =>
    client.$executeRawUnsafe(
      `INSERT INTO "Webhook" (id, type, key, "namespaceId", "repositoryId", endpoint, "authorId", "signingSecret")
       VALUES ($1, 'TAG_PUSH', $2, $3::uuid, $4::uuid, 'https://example.com/h', $5::uuid, 'whsec_x')`,
      randomUUID(),
      key,
      namespaceId,
      repositoryId,
      ids.alice,
    );
  for (const [key, ns, repo] of [
    ["acme/app", null, null],
    ["acme/app", ids.acme, null],
    ["acme", ids.acme, ids.app],
    ["", ids.acme, null],
  ] as const) {
    await expect(insert(key, ns, repo)).rejects.toThrow(/Webhook_binding_check/);
  }
  await expect(insert("nobody/app", randomUUID(), randomUUID())).rejects.toThrow(/foreign key/);
});

it("deletes the webhooks keyed to an account or a repository with it", async () => {
  await client.$executeRawUnsafe(`DELETE FROM "Repository" WHERE id = $1::uuid`, ids.app);
  expect(Object.keys(await bindings()).sort()).toEqual(["global", "namespace", "own-namespace"]);
  await client.$executeRawUnsafe(`DELETE FROM "Account" WHERE id = $1::uuid`, ids.acme);
  expect(Object.keys(await bindings()).sort()).toEqual(["global", "own-namespace"]);
});
