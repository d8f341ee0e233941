// Fan-out and names that change hands (issue 14): subscriptions made for an account or repository
// go with it, and an event reaches only the subscriptions bound (by id) to the namespace and
// repository its names denoted when it was stored.
import { randomBytes, randomUUID } from "node:crypto";
import { DEFAULT_PRODUCER_DEDUPE_WINDOW_MS, prismaRunner, storeEvents } from "@msr-webhooks/db/event-store";
import { fanoutJob } from "@msr-webhooks/queue/fanout-job";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { generateSecret } from "@msr-webhooks/events/signing";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createTeam, createUser, createWebhook, grantRepo, tagPushContents, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let receiver: Receiver;
let olga: AccountRef;
let bob: AccountRef;
let mallory: AccountRef;

beforeAll(async () => {
  h = await createHarness();
  receiver = await startReceiver();
  olga = await createUser(h.db, "olga");
  bob = await createUser(h.db, "bob");
  mallory = await createUser(h.db, "mallory");
  await h.startWorker();
});

afterAll(async () => {
  await receiver.close();
  await h.close();
});

async function fannedOut(producerId: string): Promise<string> {
  const event = await waitUntil(
    async () => {
      const e = await h.db.event.findUnique({ where: { producerId } });
      return e?.status === "fanned_out" && e;
    },
    { what: `event ${producerId} to be fanned out` },
  );
  return event.id;
}

async function allSucceeded(eventId: string) {
  return waitUntil(
    async () => {
      const rows = await h.db.delivery.findMany({ where: { eventId } });
      return rows.length > 0 && rows.every((d) => d.status === "succeeded") && rows;
    },
    { what: `every delivery of event ${eventId} to succeed` },
  );
}

it("delivers an event of a re-created namespace only to the new holder's subscriptions", async () => {
  const foo = await createOrg(h.db, "foo", [olga]);
  const bar = await createRepo(h.db, foo, "bar");
  await grantRepo(h.db, await createTeam(h.db, foo, "ops", [bob]), bar, "admin");
  const old = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/old`, author: bob });
  const oldNs = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo", endpoint: `${receiver.url}/old-ns`, author: olga });

  // An admin deletes the account (as DELETE /enzi/v0/accounts/foo does); someone else takes the name,
  // and makes the old subscriber an owner, so only the binding can tell old from new.
  await h.db.account.delete({ where: { id: foo.id } });
  const foo2 = await createOrg(h.db, "foo", [mallory, bob]);
  await createRepo(h.db, foo2, "bar");
  const fresh = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/new`, author: mallory });

  await h.publish({ id: "renamed-1", type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
  const eventId = await fannedOut("renamed-1");
  // Fan-out wrote every delivery row before it marked the event; once each has succeeded, every
  // request this event could cause has been made.
  const deliveries = await allSucceeded(eventId);
  expect(deliveries.map((d) => d.webhookId)).toEqual([fresh.id]);
  expect(receiver.requests.map((r) => r.path)).toEqual(["/new"]);
  expect(await h.db.webhook.findMany({ where: { id: { in: [old.id, oldNs.id] } } })).toEqual([]);
});

it("matches a subscription by the repository it is bound to, not by the name in its key", async () => {
  receiver.requests.length = 0;
  const acme = await createOrg(h.db, "acme", [mallory]);
  const app = await createRepo(h.db, acme, "app");
  const other = await createRepo(h.db, acme, "other");
  // A row whose key names acme/app but which was made for acme/other: it must follow its ids.
  const id = randomBytes(32).toString("hex");
  await h.db.webhook.create({
    data: {
      id,
      type: "TAG_PUSH",
      key: "acme/app",
      namespaceId: acme.id,
      repositoryId: other.id,
      endpoint: `${receiver.url}/bound-elsewhere`,
      authorId: mallory.id,
      skipTLSVerification: true,
      signingSecret: generateSecret(),
    },
  });
  const right = await createWebhook(h.db, { type: "TAG_PUSH", key: "acme/app", endpoint: `${receiver.url}/bound-here`, author: mallory });
  expect((await h.db.webhook.findUniqueOrThrow({ where: { id: right.id } })).repositoryId).toBe(app.id);

  await h.publish({ id: "bound-1", type: "TAG_PUSH", contents: tagPushContents("acme", "app") });
  const eventId = await fannedOut("bound-1");
  expect((await allSucceeded(eventId)).map((d) => d.webhookId)).toEqual([right.id]);
  expect(receiver.requests.map((r) => r.path)).toEqual(["/bound-here"]);
});

it("fans an event out to what its names denoted when it was stored, though the names changed hands before fan-out", async () => {
  receiver.requests.length = 0;
  const org = await createOrg(h.db, "handover", [olga]);
  await createRepo(h.db, org, "app");
  await createWebhook(h.db, { type: "TAG_PUSH", key: "handover/app", endpoint: `${receiver.url}/then`, author: olga });

  // Stored while handover/app is olga's (as ingest or the API store it), not fanned out yet.
  const eventId = randomUUID();
  const now = new Date();
  const [stored] = await storeEvents(
    prismaRunner(h.db),
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
  expect(stored).toEqual({ outcome: "stored", id: eventId });

  // Before its fan-out runs, the account goes (its webhooks with it) and mallory takes the names.
  await h.db.account.delete({ where: { id: org.id } });
  const taken = await createOrg(h.db, "handover", [mallory]);
  await createRepo(h.db, taken, "app");
  await createWebhook(h.db, { type: "TAG_PUSH", key: "handover/app", endpoint: `${receiver.url}/taken`, author: mallory });

  const { name, data, opts } = fanoutJob(eventId);
  await h.queues.fanout.add(name, data, opts);
  await waitUntil(async () => (await h.db.event.findUnique({ where: { id: eventId } }))?.status === "fanned_out", { what: "the event to be fanned out" });
  // The event was about olga's repository, which is gone with its webhooks: nobody gets it.
  expect(await h.db.delivery.count({ where: { eventId } })).toBe(0);
  expect(receiver.requests.map((r) => r.path)).toEqual([]);
});
