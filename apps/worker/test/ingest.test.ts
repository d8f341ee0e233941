// Producers' events on the `events` queue: invalid ones are stored as rejected with the reason
// and never delivered; a producer id repeated within 24 hours is delivered once; a retried job
// stores its event once.
import type { Job, Queue } from "bullmq";
import { startReceiver } from "@msr-webhooks/testing/receiver";
import { EventRepository } from "../src/ingest/event.repository.js";
import { IngestStore } from "../src/ingest/ingest-store.js";
import { createIngestProcessor, eventIdForJob } from "../src/ingest/ingest.processor.js";
import { loadConfig } from "../src/config.js";
import { createFanout } from "../src/fanout/fanout.processor.js";
import { FanoutRepository } from "../src/fanout/fanout.repository.js";
import { FanoutStore } from "../src/fanout/fanout-store.js";
import { fanoutJobId } from "@msr-webhooks/queue/names";
import { createHarness, silentLogger } from "./support/harness.js";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { captureLog } from "./support/capture-log.js";
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
  // Fanned out by its ingest job itself: no fan-out job was queued for it.
  expect(stored[0]!.status).toBe("fanned_out");
  expect(await t.h.queues.fanout.getJobState(fanoutJobId(stored[0]!.id))).toBe("unknown");
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

/** A job the worker already stored but crashed before finishing: the same job runs again. */
function replayedJob(id: string, tag: string): Job {
  return {
    id,
    name: "TAG_PUSH",
    timestamp: Date.now(),
    queueQualifiedName: `${t.h.prefix}:events`,
    attemptsStarted: 1,
    data: { type: "TAG_PUSH", contents: tagPushContents("foo", "bar", tag) },
  } as unknown as Job;
}

async function deliveredOnce(eventId: string): Promise<void> {
  const deliveries = await t.h.db.delivery.findMany({ where: { eventId } });
  expect(deliveries).toHaveLength(1);
  await waitUntil(() => t.h.db.delivery.findFirst({ where: { id: deliveries[0]!.id, status: "succeeded" } }), { what: "the delivery to succeed" });
  expect(t.receiver.requests).toHaveLength(1);
}

it("stores a retried job's event once and fans it out once", async () => {
  const fanout = createFanout({ accessSql: t.h.sql, store: new FanoutStore(new FanoutRepository(t.h.sql)), deliveryQueue: t.h.queues.delivery, retry: loadConfig(t.h.env).retry, log: silentLogger() });
  const processor = createIngestProcessor({
    events: new IngestStore(new EventRepository(t.h.sql)),
    fanoutQueue: t.h.queues.fanout,
    fanOut: fanout.fanOut,
    log: silentLogger(),
    producerDedupeWindowMs: 86_400_000,
  });
  const job = replayedJob("replayed-1", "replayed");
  const first = await processor(job);
  const second = await processor(job);
  expect(first).toEqual({ outcome: "accepted", eventId: eventIdForJob(job) });
  expect(second).toEqual(first);
  expect(await t.h.db.event.count({ where: { id: first.eventId } })).toBe(1);
  // Fanned out by the first run (the second found it fanned out): no fan-out job, one delivery, one request.
  expect((await t.h.db.event.findUniqueOrThrow({ where: { id: first.eventId } })).status).toBe("fanned_out");
  expect(await t.h.queues.fanout.getJobState(fanoutJobId(first.eventId))).toBe("unknown");
  await deliveredOnce(first.eventId);
});

it("queues the fan-out job when the fan-out after ingest fails, and that job delivers the event", async () => {
  const log = captureLog();
  const processor = createIngestProcessor({
    events: new IngestStore(new EventRepository(t.h.sql)),
    fanoutQueue: t.h.queues.fanout,
    fanOut: () => Promise.reject(new Error("fan-out statement failed")),
    log: log.log,
    producerDedupeWindowMs: 86_400_000,
  });
  const job = replayedJob("inline-fails-1", "inline-fails");
  const result = await processor(job);
  expect(result).toEqual({ outcome: "accepted", eventId: eventIdForJob(job) });
  expect(log.lines).toContainEqual(expect.objectContaining({ message: "fan-out after ingest failed; queued as a fan-out job", eventId: result.eventId, error: "fan-out statement failed" }));
  // The running worker's fan-out queue takes it over.
  await jobOver(t.h.queues.fanout, fanoutJobId(result.eventId), "the queued fan-out");
  await deliveredOnce(result.eventId);
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
