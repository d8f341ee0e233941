// Producers' events on the `events` queue: invalid ones are stored as rejected with the reason
// and never delivered; a producer id repeated within 24 hours is delivered once; a retried job
// stores its event once.
import type { Job, Queue } from "bullmq";
import { startReceiver } from "@msr-webhooks/testing/receiver";
import { EventRepository } from "../src/ingest/event.repository.js";
import { IngestStore } from "../src/ingest/ingest-store.js";
import { createIngestProcessor, eventIdForJob } from "../src/ingest/ingest.processor.js";
import { fanoutJobId } from "@msr-webhooks/queue/names";
import { createHarness, silentLogger } from "./support/harness.js";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { jobOver } from "./support/jobs.js";
import { createWebhook, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const t = useHarnessWithReceiver();

beforeAll(async () => {
  const alice = await ownerOfFooBar(t.h.db, "alice");
  await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${t.receiver.url}/hook`, author: alice });
  await t.h.startWorker();
});

beforeEach(() => {
  t.receiver.requests.length = 0;
});

it("stores an invalid event as rejected with the reason, and delivers nothing", async () => {
  const contents: Record<string, unknown> = tagPushContents("foo", "bar");
  delete contents.digest;
  const job = await t.h.publish({ id: "bad-1", type: "TAG_PUSH", contents: { ...contents, os: 7 } });
  const eventId = eventIdForJob(job);
  const event = await waitUntil(() => t.h.db.event.findFirst({ where: { id: eventId } }), { what: "the rejected event" });
  expect(event.status).toBe("rejected");
  expect(event.type).toBe("TAG_PUSH");
  expect(event.source).toBe("queue");
  expect(event.reason).toContain("contents.digest: is required");
  expect(event.reason).toContain("contents.os: must be a string");
  // The producer may resend the corrected event under the same id.
  expect(event.producerId).toBeNull();
  // Its ingest job is over without queueing a fan-out: nothing can deliver it.
  expect(await jobOver(t.h.queues.ingest, job.id!, "the rejected event's ingest job")).toBe("unknown");
  expect(await t.h.queues.fanout.getJobState(fanoutJobId(eventId))).toBe("unknown");
  expect(await t.h.db.delivery.count({ where: { eventId } })).toBe(0);
  expect(t.receiver.requests).toHaveLength(0);
});

it("rejects an unknown type and a REPO_* kind given as the type", async () => {
  const unknown = await t.h.publish({ type: "IMAGE_SCANNED", contents: {} });
  const kind = await t.h.publish({ type: "REPO_CREATED", contents: {} });
  const notAnObject = await (t.h.queues.ingest as Queue).add("TAG_PUSH", "just a string");
  for (const [job, text] of [
    [unknown, "type: must be one of"],
    [kind, "REPO_CREATED is a subscription type, not an event type"],
    [notAnObject, "event: must be an object"],
  ] as const) {
    const event = await waitUntil(() => t.h.db.event.findFirst({ where: { id: eventIdForJob(job) } }), { what: `the event of job ${job.id}` });
    expect(event.status).toBe("rejected");
    expect(event.reason).toContain(text);
  }
});

it("keeps a rejected event's contents for inspection, unless they are huge", async () => {
  const small = await t.h.publish({ type: "TAG_PUSH", contents: { namespace: "foo" } });
  const huge = await t.h.publish({ type: "TAG_PUSH", contents: { namespace: "foo", author: "x".repeat(100_000) } });
  const smallRow = await waitUntil(() => t.h.db.event.findFirst({ where: { id: eventIdForJob(small) } }), { what: "the small rejected event" });
  const hugeRow = await waitUntil(() => t.h.db.event.findFirst({ where: { id: eventIdForJob(huge) } }), { what: "the huge rejected event" });
  expect(smallRow.contents).toEqual({ namespace: "foo" });
  expect(hugeRow.status).toBe("rejected");
  expect(hugeRow.contents).toEqual({});
});

it("delivers a producer id once within 24 hours, and again once the window has passed", async () => {
  const event = { id: "push-42", type: "TAG_PUSH", contents: tagPushContents("foo", "bar") };
  const jobs = [await t.h.publish(event), await t.h.publish(event), await t.h.publish({ ...event, contents: tagPushContents("foo", "bar", "other-tag") })];
  // All three are ingested, and what was stored is fanned out and delivered.
  for (const job of jobs) await jobOver(t.h.queues.ingest, job.id!, `ingest job ${job.id}`);
  const stored = await t.h.db.event.findMany({ where: { producerId: "push-42" } });
  expect(stored).toHaveLength(1);
  await jobOver(t.h.queues.fanout, fanoutJobId(stored[0]!.id), "the stored event's fan-out");
  const [delivery] = await t.h.db.delivery.findMany({ where: { eventId: stored[0]!.id } });
  await waitUntil(() => t.h.db.delivery.findFirst({ where: { id: delivery!.id, status: "succeeded" } }), { what: "the one delivery to succeed" });
  expect(await t.h.db.delivery.count({ where: { eventId: stored[0]!.id } })).toBe(1);
  expect(await t.h.db.event.count({ where: { id: { in: jobs.map((j) => eventIdForJob(j)) } } })).toBe(1);
  expect(t.receiver.requests).toHaveLength(1);

  // 25 hours later, the id is free again; the old event keeps its row.
  await t.h.db.event.update({ where: { id: stored[0]!.id }, data: { receivedAt: new Date(Date.now() - 25 * 3_600_000) } });
  await t.h.publish(event);
  await t.receiver.waitFor(2);
  const again = await t.h.db.event.findUniqueOrThrow({ where: { producerId: "push-42" } });
  expect(again.id).not.toBe(stored[0]!.id);
  expect((await t.h.db.event.findUniqueOrThrow({ where: { id: stored[0]!.id } })).producerId).toBeNull();
  expect(new Set(t.receiver.requests.map((r) => r.headers["webhook-id"])).size).toBe(2);
});

it("stores a retried job's event once and still queues its fan-out", async () => {
  const processor = createIngestProcessor({
    events: new IngestStore(new EventRepository(t.h.sql)),
    fanoutQueue: t.h.queues.fanout,
    log: silentLogger(),
    producerDedupeWindowMs: 86_400_000,
  });
  // A job the worker already stored but crashed before finishing: the same job runs again.
  const job = {
    id: "replayed-1",
    name: "TAG_PUSH",
    timestamp: Date.now(),
    queueQualifiedName: `${t.h.prefix}:events`,
    attemptsStarted: 1,
    data: { type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "replayed") },
  } as unknown as Job;
  const first = await processor(job);
  const second = await processor(job);
  expect(first).toEqual({ outcome: "accepted", eventId: eventIdForJob(job) });
  expect(second).toEqual(first);
  expect(await t.h.db.event.count({ where: { id: first.eventId } })).toBe(1);
  // One fan-out (its job id is the event's), one delivery, one request.
  await jobOver(t.h.queues.fanout, fanoutJobId(first.eventId), "the replayed event's fan-out");
  const deliveries = await t.h.db.delivery.findMany({ where: { eventId: first.eventId } });
  expect(deliveries).toHaveLength(1);
  await waitUntil(() => t.h.db.delivery.findFirst({ where: { id: deliveries[0]!.id, status: "succeeded" } }), { what: "the delivery to succeed" });
  expect(t.receiver.requests).toHaveLength(1);
});

describe("a database outage during ingest", () => {
  it("keeps the producer's job (delayed, not failed) until the event can be stored", async () => {
    const outage = await createHarness({ RETRY_SCHEDULE: "100ms" });
    const hookReceiver = await startReceiver();
    try {
      const alice = await ownerOfFooBar(outage.db, "alice");
      await createWebhook(outage.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${hookReceiver.url}/hook`, author: alice });
      // A worker whose database does not exist: every statement fails.
      const broken = await outage.startWorker({ DATABASE_URL: outage.env.DATABASE_URL!.replace(/msrwh_t_\w+/, "msrwh_missing_db") });
      // A producer job with a single attempt: a failure would lose the event for good.
      const job = await outage.queues.ingest.add("TAG_PUSH", { type: "TAG_PUSH", contents: tagPushContents("foo", "bar") }, { attempts: 1 });
      await waitUntil(async () => (await job.getState()) === "delayed" && (await outage.queues.ingest.getJob(job.id!))!.attemptsStarted >= 1, {
        what: "the job to be delayed after the failure",
      });
      expect(await outage.db.event.count()).toBe(0);
      await broken.stop();

      await outage.startWorker();
      await hookReceiver.waitFor(1);
      const event = await outage.db.event.findUniqueOrThrow({ where: { id: eventIdForJob(job) } });
      expect(event.status).toBe("fanned_out");
    } finally {
      await hookReceiver.close();
      await outage.close();
    }
  });
});
