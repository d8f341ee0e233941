// Fan-out and names that change hands (issue 14): subscriptions made for an account or repository
// go with it, and an event reaches only the subscriptions bound (by id) to the namespace and
// repository its names denoted when it was stored.
import { randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_PRODUCER_DEDUPE_WINDOW_MS, prismaRunner, storeEvents } from "@msr-webhooks/db/event-store";
import { fanoutJob } from "@msr-webhooks/queue/fanout-job";
import { generateSecret } from "@msr-webhooks/events/signing";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { createOrg, createRepo, createTeam, createUser, createWebhook, grantRepo, tagPushContents, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const t = useHarnessWithReceiver();
let olga: AccountRef;
let bob: AccountRef;
let mallory: AccountRef;

beforeAll(async () => {
  olga = await createUser(t.h.db, "olga");
  bob = await createUser(t.h.db, "bob");
  mallory = await createUser(t.h.db, "mallory");
  await t.h.startWorker();
});

async function fannedOut(producerId: string): Promise<string> {
  const event = await waitUntil(
    async () => {
      const e = await t.h.db.event.findUnique({ where: { producerId } });
      return e?.status === "fanned_out" && e;
    },
    { what: `event ${producerId} to be fanned out` },
  );
  return event.id;
}

async function allSucceeded(eventId: string) {
  return waitUntil(
    async () => {
      const rows = await t.h.db.delivery.findMany({ where: { eventId } });
      return rows.length > 0 && rows.every((d) => d.status === "succeeded") && rows;
    },
    { what: `every delivery of event ${eventId} to succeed` },
  );
}

it("delivers an event of a re-created namespace only to the new holder's subscriptions", async () => {
  const foo = await createOrg(t.h.db, "foo", [olga]);
  const bar = await createRepo(t.h.db, foo, "bar");
  await grantRepo(t.h.db, await createTeam(t.h.db, foo, "ops", [bob]), bar, "admin");
  const old = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${t.receiver.url}/old`, author: bob });
  const oldNs = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo", endpoint: `${t.receiver.url}/old-ns`, author: olga });

  // An admin deletes the account (as DELETE /enzi/v0/accounts/foo does); someone else takes the name,
  // and makes the old subscriber an owner, so only the binding can tell old from new.
  await t.h.db.account.delete({ where: { id: foo.id } });
  const foo2 = await createOrg(t.h.db, "foo", [mallory, bob]);
  await createRepo(t.h.db, foo2, "bar");
  const fresh = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${t.receiver.url}/new`, author: mallory });

  await t.h.publish({ id: "renamed-1", type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
  const eventId = await fannedOut("renamed-1");
  // Fan-out wrote every delivery row before it marked the event; once each has succeeded, every
  // request this event could cause has been made.
  const deliveries = await allSucceeded(eventId);
  expect(deliveries.map((d) => d.webhookId)).toEqual([fresh.id]);
  expect(t.receiver.requests.map((r) => r.path)).toEqual(["/new"]);
  expect(await t.h.db.webhook.findMany({ where: { id: { in: [old.id, oldNs.id] } } })).toEqual([]);
});

it("matches a subscription by the repository it is bound to, not by the name in its key", async () => {
  t.receiver.requests.length = 0;
  const acme = await createOrg(t.h.db, "acme", [mallory]);
  const app = await createRepo(t.h.db, acme, "app");
  const other = await createRepo(t.h.db, acme, "other");
  // A row whose key names acme/app but which was made for acme/other: it must follow its ids.
  const id = randomBytes(32).toString("hex");
  await t.h.db.webhook.create({
    data: {
      id,
      type: "TAG_PUSH",
      key: "acme/app",
      namespaceId: acme.id,
      repositoryId: other.id,
      endpoint: `${t.receiver.url}/bound-elsewhere`,
      authorId: mallory.id,
      skipTLSVerification: true,
      signingSecret: generateSecret(),
    },
  });
  const right = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "acme/app", endpoint: `${t.receiver.url}/bound-here`, author: mallory });
  expect((await t.h.db.webhook.findUniqueOrThrow({ where: { id: right.id } })).repositoryId).toBe(app.id);

  await t.h.publish({ id: "bound-1", type: "TAG_PUSH", contents: tagPushContents("acme", "app") });
  const eventId = await fannedOut("bound-1");
  expect((await allSucceeded(eventId)).map((d) => d.webhookId)).toEqual([right.id]);
  expect(t.receiver.requests.map((r) => r.path)).toEqual(["/bound-here"]);
});

it("fans an event out to what its names denoted when it was stored, though the names changed hands before fan-out", async () => {
  t.receiver.requests.length = 0;
  const org = await createOrg(t.h.db, "handover", [olga]);
  const app = await createRepo(t.h.db, org, "app");
  await createWebhook(t.h.db, { type: "TAG_PUSH", key: "handover/app", endpoint: `${t.receiver.url}/then`, author: olga });

  // Stored while handover/app is olga's (as ingest or the API store it), not fanned out yet.
  const eventId = randomUUID();
  const now = new Date();
  const [stored] = await storeEvents(
    prismaRunner(t.h.db),
    [
      {
        id: eventId,
        producerId: null,
        type: "TAG_PUSH",
        source: "api",
        createdAt: now,
        createdAtText: now.toISOString(),
        receivedAt: now,
        contents: tagPushContents("handover", "app"),
        location: null,
        namespace: "handover",
        repository: "app",
        status: "pending",
        reason: null,
      },
    ],
    DEFAULT_PRODUCER_DEDUPE_WINDOW_MS,
  );
  // Bound to olga's account and repository (ingest fans out by these ids at once).
  expect(stored).toEqual({ outcome: "stored", id: eventId, namespaceId: org.id, repositoryId: app.id });

  // Before its fan-out runs, the account goes (its webhooks with it) and mallory takes the names.
  await t.h.db.account.delete({ where: { id: org.id } });
  const taken = await createOrg(t.h.db, "handover", [mallory]);
  await createRepo(t.h.db, taken, "app");
  await createWebhook(t.h.db, { type: "TAG_PUSH", key: "handover/app", endpoint: `${t.receiver.url}/taken`, author: mallory });

  const { name, data, opts } = fanoutJob(eventId);
  await t.h.queues.fanout.add(name, data, opts);
  await waitUntil(async () => (await t.h.db.event.findUnique({ where: { id: eventId } }))?.status === "fanned_out", { what: "the event to be fanned out" });
  // The event was about olga's repository, which is gone with its webhooks: nobody gets it.
  expect(await t.h.db.delivery.count({ where: { eventId } })).toBe(0);
  expect(t.receiver.requests.map((r) => r.path)).toEqual([]);
});
