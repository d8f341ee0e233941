// An event on the queue whose contents or keys hold a lone UTF-16 surrogate can never be stored as
// given: it is recorded as rejected on its first attempt (with the text made storable), instead of
// failing inside PostgreSQL and being retried until the queue gives up (issue 14, item 8).
import type { Job } from "bullmq";
import { eventIdForJob } from "../src/ingest/ingest.processor.js";
import { createHarness, type Harness } from "./support/harness.js";
import { tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  await h.startWorker();
});

afterAll(async () => {
  await h.close();
});

async function rejectedOnce(job: Job): Promise<{ reason: string | null; contents: unknown }> {
  const eventId = eventIdForJob(job);
  const event = await waitUntil(() => h.db.event.findFirst({ where: { id: eventId } }), { what: `event ${eventId}` });
  expect(event.status).toBe("rejected");
  // Failed attempts would leave the job waiting or delayed for another try; a stored rejection completes it.
  await waitUntil(async () => (await h.queues.ingest.getJobState(job.id!)) !== "active", { what: "the ingest job to finish" });
  expect(["completed", "unknown"]).toContain(await h.queues.ingest.getJobState(job.id!));
  return { reason: event.reason, contents: event.contents };
}

it("rejects a lone surrogate in a contents value at once, naming the field", async () => {
  const job = await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "v1\ud800") });
  expect(job.attemptsMade).toBe(0);
  const { reason, contents } = await rejectedOnce(job);
  expect(reason).toContain("contents.tag");
  expect((contents as { tag: string }).tag).toBe("v1\ufffd");
});

it("rejects a lone surrogate in a contents key at once", async () => {
  const job = await h.publish({ type: "TAG_PUSH", contents: { ...tagPushContents("foo", "bar", "v2"), ["x\udc00"]: "y" } });
  const { reason, contents } = await rejectedOnce(job);
  expect(reason).toContain("contents.x");
  expect(Object.keys(contents as object)).toContain("x\ufffd");
});

it("rejects a createdAt before year 1 at once", async () => {
  const job = await h.publish({ type: "TAG_PUSH", createdAt: "0000-03-01T00:00:00Z", contents: tagPushContents("foo", "bar", "v3") });
  const { reason } = await rejectedOnce(job);
  expect(reason).toContain("createdAt");
});
