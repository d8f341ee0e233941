// Fan-out end to end: a producer's TAG_PUSH for foo/bar reaches the webhooks keyed foo/bar,
// foo and "" and no other; the body is MSR's envelope; an author who lost access is skipped with
// the reason recorded; the match is an indexed query.
import { randomUUID } from "node:crypto";
import { Prisma } from "@msr-webhooks/db/client";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { fanoutJobId } from "@msr-webhooks/queue/names";
import { matchingWebhooksSql } from "../src/fanout/fanout.repository.js";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import {
  bindingOf,
  createOrg,
  createRepo,
  createTeam,
  createUser,
  createWebhook,
  grantRepo,
  insertDelivery,
  insertEvent,
  tagContents,
  tagPushContents,
  webhookData,
  type AccountRef,
} from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const t = useHarnessWithReceiver();
let admin: AccountRef;
let alice: AccountRef;
let bob: AccountRef;
let foo: AccountRef;

beforeAll(async () => {
  admin = await createUser(t.h.db, "admin", { admin: true });
  alice = await createUser(t.h.db, "alice");
  bob = await createUser(t.h.db, "bob");
  foo = await createOrg(t.h.db, "foo", [alice]);
  const other = await createOrg(t.h.db, "other", [alice]);
  await createRepo(t.h.db, foo, "bar");
  await createRepo(t.h.db, foo, "baz");
  await createRepo(t.h.db, other, "bar");
  await t.h.startWorker();
});

function deliveriesOf(eventId: string) {
  return t.h.db.delivery.findMany({ where: { eventId }, include: { webhook: true } });
}

async function eventIdOf(producerId: string): Promise<string> {
  const event = await waitUntil(() => t.h.db.event.findUnique({ where: { producerId } }), { what: `event ${producerId}` });
  return event.id;
}

/**
 * The event's deliveries once its fan-out is over and every delivery it made has finished: the
 * rows and the fanned_out status are written in one statement, so no delivery can come later, and
 * every request a delivery made has arrived before its row says so.
 */
async function finishedDeliveries(eventId: string) {
  await waitUntil(async () => (await t.h.db.event.findUnique({ where: { id: eventId } }))?.status === "fanned_out", {
    what: `event ${eventId} to be fanned out`,
  });
  return waitUntil(
    async () => {
      const rows = await deliveriesOf(eventId);
      return rows.every((d) => d.status === "succeeded" || d.status === "failed" || d.status === "skipped") && rows;
    },
    { what: `every delivery of event ${eventId} to finish` },
  );
}

describe("fan-out of a TAG_PUSH for foo/bar", () => {
  it("reaches foo/bar, foo and the global key, and nothing else", async () => {
    const hook = (name: string, type: string, key: string, extra: { inactive?: boolean; author?: AccountRef } = {}) =>
      createWebhook(t.h.db, { type, key, endpoint: `${t.receiver.url}/${name}`, author: extra.author ?? alice, inactive: extra.inactive });
    await hook("repo", "TAG_PUSH", "foo/bar");
    await hook("namespace", "TAG_PUSH", "foo");
    await hook("global", "TAG_PUSH", "", { author: admin });
    await hook("other-repo", "TAG_PUSH", "foo/baz");
    await hook("other-namespace", "TAG_PUSH", "other/bar");
    await hook("other-type", "TAG_PULL", "foo/bar");
    await hook("inactive", "TAG_PUSH", "foo/bar", { inactive: true });

    await t.h.publish({ id: "fanout-1", type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
    const deliveries = await finishedDeliveries(await eventIdOf("fanout-1"));
    // Fan-out is over and its deliveries are done: a wrongly matched webhook would be here by now.
    expect(deliveries.map((d) => [d.webhook.endpoint.slice(t.receiver.url.length), d.status]).sort()).toEqual([
      ["/global", "succeeded"],
      ["/namespace", "succeeded"],
      ["/repo", "succeeded"],
    ]);
    expect(t.receiver.requests.map((r) => r.path).sort()).toEqual(["/global", "/namespace", "/repo"]);

    const req = t.receiver.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["user-agent"]).toMatch(/^msr-webhooks\/\d+\.\d+\.\d+$/);
    expect(req.body.startsWith('{"type":"TAG_PUSH","createdAt":"')).toBe(true);
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["type", "createdAt", "contents", "location"]);
    expect(body).toMatchObject({
      type: "TAG_PUSH",
      contents: tagPushContents("foo", "bar"),
      location: "/repositories/foo/bar/tags/latest",
    });
    expect(body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    // Every delivery of one event carries the same bytes; webhook-id is the delivery's id.
    expect(new Set(t.receiver.requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(t.receiver.requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set(deliveries.map((d) => d.id)));
  });

  it("skips, with the reason recorded, a webhook whose author lost access", async () => {
    t.receiver.requests.length = 0;
    const team = await createTeam(t.h.db, foo, "deployers", [bob]);
    const repo = await t.h.db.repository.findFirstOrThrow({ where: { name: "bar", namespaceId: foo.id } });
    await grantRepo(t.h.db, team, repo, "admin");
    const carol = await createUser(t.h.db, "carol");
    const kept = await createWebhook(t.h.db, { type: "TAG_DELETE", key: "foo/bar", endpoint: `${t.receiver.url}/bob`, author: bob });
    const lost = await createWebhook(t.h.db, { type: "TAG_DELETE", key: "foo/bar", endpoint: `${t.receiver.url}/carol`, author: carol });
    const lostNs = await createWebhook(t.h.db, { type: "TAG_DELETE", key: "foo", endpoint: `${t.receiver.url}/bob-ns`, author: bob });
    const exAdmin = await createUser(t.h.db, "exadmin");
    const lostGlobal = await createWebhook(t.h.db, { type: "TAG_DELETE", key: "", endpoint: `${t.receiver.url}/global`, author: exAdmin });
    const gone = await createUser(t.h.db, "gone", { admin: true, active: false });
    const deactivated = await createWebhook(t.h.db, { type: "TAG_DELETE", key: "foo/bar", endpoint: `${t.receiver.url}/gone`, author: gone });

    await t.h.publish({ id: "fanout-2", type: "TAG_DELETE", contents: tagContents("TAG_DELETE", "foo", "bar") });
    const rows = await finishedDeliveries(await eventIdOf("fanout-2"));
    expect(rows).toHaveLength(5);
    expect(rows.find((d) => d.webhookId === kept.id)?.status).toBe("succeeded");
    const byWebhook = new Map(rows.map((d) => [d.webhookId, d]));
    expect(byWebhook.get(lost.id)).toMatchObject({ status: "skipped", reason: 'the author is no longer an admin of repository "foo/bar"' });
    expect(byWebhook.get(lostNs.id)).toMatchObject({ status: "skipped", reason: 'the author is no longer an admin of namespace "foo"' });
    expect(byWebhook.get(lostGlobal.id)).toMatchObject({ status: "skipped", reason: "the author is no longer a system admin" });
    expect(byWebhook.get(deactivated.id)).toMatchObject({ status: "skipped", reason: "the author's account is deactivated" });
    expect(t.receiver.requests.map((r) => r.path)).toEqual(["/bob"]);
    expect(await t.h.db.deliveryAttempt.count({ where: { deliveryId: { in: [lost.id, lostNs.id].map((w) => byWebhook.get(w)!.id) } } })).toBe(0);
  });

  it("delivers a REPO_EVENT to its REPO_* alias only for that kind, as type REPO_EVENT", async () => {
    t.receiver.requests.length = 0;
    await createWebhook(t.h.db, { type: "REPO_CREATED", key: "foo", endpoint: `${t.receiver.url}/created`, author: alice });
    await createWebhook(t.h.db, { type: "REPO_DELETED", key: "foo", endpoint: `${t.receiver.url}/deleted`, author: alice });
    await createWebhook(t.h.db, { type: "REPO_EVENT", key: "foo", endpoint: `${t.receiver.url}/any`, author: alice });
    const payload = testPayload("REPO_EVENT", "reg.example.com");
    await t.h.publish({ id: "fanout-3", type: "REPO_EVENT", contents: { ...payload.contents, event: "REPO_CREATED" } });
    const deliveries = await finishedDeliveries(await eventIdOf("fanout-3"));
    expect(deliveries.map((d) => d.webhook.endpoint.slice(t.receiver.url.length)).sort()).toEqual(["/any", "/created"]);
    expect(t.receiver.requests.map((r) => r.path).sort()).toEqual(["/any", "/created"]);
    for (const r of t.receiver.requests) expect(JSON.parse(r.body)).toMatchObject({ type: "REPO_EVENT", location: "/repositories/foo/bar" });
  });

  it("re-queues the first attempts of an event that was fanned out before its jobs were added", async () => {
    t.receiver.requests.length = 0;
    const w = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/baz", endpoint: `${t.receiver.url}/rerun`, author: alice });
    // The rows were committed, then the worker died before addBulk: the fan-out job runs again.
    const eventId = await insertEvent(t.h.db, { namespace: "foo", repository: "baz", status: "fanned_out" });
    const deliveryId = await insertDelivery(t.h.db, eventId, w.id);
    await t.h.queues.fanout.add("fanout", { eventId }, { jobId: fanoutJobId(eventId) });
    await t.receiver.waitFor(1);
    expect(t.receiver.requests[0]!.headers["webhook-id"]).toBe(deliveryId);
    await waitUntil(() => t.h.db.delivery.findFirst({ where: { id: deliveryId, status: "succeeded" } }), { what: "the re-queued delivery to succeed" });
    expect(await t.h.db.delivery.count({ where: { eventId } })).toBe(1);
  });

  it("matches with an index lookup, whatever the number of other webhooks", async () => {
    // Each webhook is bound to its own namespace and repository, as the API binds them.
    const bindings = Array.from({ length: 3000 }, () => ({ namespaceId: randomUUID(), repositoryId: randomUUID() }));
    await t.h.db.account.createMany({ data: bindings.map((b, i) => ({ id: b.namespaceId, name: `ns${i}`, isOrg: true })) });
    await t.h.db.repository.createMany({ data: bindings.map((b, i) => ({ id: b.repositoryId, namespaceId: b.namespaceId, name: `repo${i}` })) });
    const rows = bindings.map((binding, i) =>
      webhookData({ type: i % 2 ? "TAG_PULL" : "CHART_PUSH", key: `ns${i}/repo${i}`, endpoint: "https://example.com/x", author: alice }, binding),
    );
    await t.h.db.webhook.createMany({ data: rows });
    await t.h.db.$executeRawUnsafe('ANALYZE "Webhook"');
    const [bar, baz] = [await bindingOf(t.h.db, "foo/bar"), await bindingOf(t.h.db, "foo/baz")];
    const plan = await t.h.db.$queryRaw<{ "QUERY PLAN": unknown }[]>(
      Prisma.sql`EXPLAIN (FORMAT JSON) ${matchingWebhooksSql([
        { eventId: "00000000-0000-4000-8000-000000000001", types: ["TAG_PUSH"], keys: ["", "foo", "foo/bar"], ...bar },
        { eventId: "00000000-0000-4000-8000-000000000002", types: ["TAG_PULL"], keys: ["", "foo", "foo/baz"], ...baz },
      ])}`,
    );
    const nodes: Record<string, unknown>[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (typeof node === "object" && node !== null) {
        const n = node as Record<string, unknown>;
        if ("Node Type" in n) nodes.push(n);
        Object.values(n).forEach(walk);
      }
    };
    walk(plan);
    const webhookScans = nodes.filter((n) => n["Relation Name"] === "Webhook");
    expect(webhookScans.length).toBeGreaterThan(0);
    for (const scan of webhookScans) expect(scan["Node Type"]).not.toBe("Seq Scan");
    // An Index Scan names the index itself; a Bitmap Heap Scan does so in its Bitmap Index Scan child.
    expect(nodes.map((n) => n["Index Name"])).toContain("Webhook_type_key_inactive_idx");
  });
});
