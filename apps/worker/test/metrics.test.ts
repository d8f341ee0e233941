// The worker's /metrics after real deliveries, end to end (producer job -> ingest -> fan-out ->
// signed attempt to a real receiver), scraped over its ops HTTP port: events received and
// rejected from the queue, deliveries by outcome (succeeded, retrying, failed, skipped), the
// attempt-duration and publish-to-deliver histograms, queue depths, open circuits, the count of
// disabled webhooks, and the default process metrics.
import { loadConfig } from "../src/config.js";
import { deliveryJob } from "../src/attempts/delivery-job.js";
import { startOpsHttp } from "../src/ops-server.js";
import { sample, SHARED_METRIC_NAMES } from "@msr-webhooks/testing/metrics-text";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import type { RunningOpsServer } from "@msr-webhooks/observability/ops-server";
import { createHarness, type Harness, type InProcessWorker } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, insertDelivery, insertEvent, tagPushContents, type AccountRef } from "./support/seed.js";
import { scriptedReplies } from "./support/scripted-replies.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let receiver: Receiver;
let worker: InProcessWorker;
let ops: RunningOpsServer;
let alice: AccountRef;
const { replies, counts, handler } = scriptedReplies({ status: 204, delayMs: 30 });

beforeAll(async () => {
  h = await createHarness({ WORKER_HTTP_PORT: "0", WORKER_HTTP_HOST: "127.0.0.1" });
  receiver = await startReceiver({
    handler,
  });
  alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  for (const repo of ["ok", "flaky", "gone", "paused"]) await createRepo(h.db, foo, repo);
  worker = await h.startWorker();
  ops = await startOpsHttp(worker.deps);
});

afterAll(async () => {
  await ops.close();
  await receiver.close();
  await h.close();
});

async function scrape(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${ops.port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}


function settled(webhookId: string) {
  return waitUntil(
    () => h.db.delivery.findFirst({ where: { webhookId, status: { in: ["succeeded", "failed", "skipped"] } } }),
    { what: `delivery for ${webhookId} to settle` },
  );
}

const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => sample(await scrape(), name, labels) ?? 0;

/** Waits until the metric reads `expected`: the worker counts an outcome just after recording it. */
async function counted(name: string, labels: Record<string, string>, expected: number): Promise<void> {
  let got = 0;
  await waitUntil(async () => (got = await value(name, labels)) === expected, {
    what: () => `${name} ${JSON.stringify(labels)} to read ${expected} (${got})`,
  });
}

describe("GET /metrics on the worker", () => {
  it("has every shared metric from the start, with service=worker and the process metrics", async () => {
    const text = await scrape();
    for (const name of [...SHARED_METRIC_NAMES, "process_cpu_user_seconds_total", "nodejs_eventloop_lag_seconds"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, "msrwh_open_circuits", { service: "worker" })).toBe(0);
    expect(sample(text, "msrwh_webhooks_disabled", { service: "worker" })).toBe(0);
    for (const queue of ["events", "fanout", "deliveries", "maintenance"]) {
      expect(sample(text, "msrwh_queue_jobs", { queue, state: "waiting" })).toEqual(expect.any(Number));
    }
  });

  it("counts a delivered event: received from the queue, succeeded, its attempt's duration and its latency", async () => {
    const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/ok", endpoint: `${receiver.url}/ok`, author: alice });
    const before = await scrape();
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "ok") });
    const delivery = await settled(w.id);
    expect(delivery.status).toBe("succeeded");
    // The worker counts the attempt right after recording it: wait for the count, not for time.
    const counted = { type: "TAG_PUSH" };
    let after = "";
    await waitUntil(async () => sample((after = await scrape()), "msrwh_delivery_latency_seconds_count", counted) === (sample(before, "msrwh_delivery_latency_seconds_count", counted) ?? 0) + 1, {
      what: "the delivery's latency to be observed",
    });
    const observedBy = Date.now();
    const delta = (name: string, labels: Record<string, string>) => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta("msrwh_events_received_total", { type: "TAG_PUSH", source: "queue", service: "worker" })).toBe(1);
    expect(delta("msrwh_deliveries_total", { outcome: "succeeded", type: "TAG_PUSH" })).toBe(1);
    // Its first attempt was made by the fan-out, without a job (src/attempts/inline-attempts.ts).
    expect(["inline", "job", "parked"].map((route) => delta("msrwh_first_attempts_total", { route }))).toEqual([1, 0, 0]);
    expect(delta("msrwh_delivery_attempt_duration_seconds_count", { outcome: "succeeded", type: "TAG_PUSH" })).toBe(1);
    // The receiver waits 30 ms before answering: the attempt cannot have been quicker.
    expect(delta("msrwh_delivery_attempt_duration_seconds_sum", { outcome: "succeeded", type: "TAG_PUSH" })).toBeGreaterThanOrEqual(0.03);
    expect(delta("msrwh_delivery_latency_seconds_count", { type: "TAG_PUSH" })).toBe(1);
    // Publish to deliver: from the event's creation (stored) to after its attempt ended (stored),
    // and no later than the moment it was seen counted.
    const latency = delta("msrwh_delivery_latency_seconds_sum", { type: "TAG_PUSH" });
    const event = await h.db.event.findUniqueOrThrow({ where: { id: delivery.eventId } });
    const [attempt] = await h.db.deliveryAttempt.findMany({ where: { deliveryId: delivery.id } });
    const createdAt = event.createdAt.getTime();
    expect(latency).toBeGreaterThanOrEqual((attempt!.startedAt.getTime() + attempt!.durationMs - createdAt - 2) / 1000);
    expect(latency).toBeLessThanOrEqual((observedBy - createdAt) / 1000);
  });

  it("counts a failed attempt as retrying, then its success", async () => {
    replies.set("/flaky", (n) => (n === 1 ? { status: 500 } : { status: 204 }));
    const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/flaky", endpoint: `${receiver.url}/flaky`, author: alice });
    const retrying = await value("msrwh_deliveries_total", { outcome: "retrying", type: "TAG_PUSH" });
    const succeeded = await value("msrwh_deliveries_total", { outcome: "succeeded", type: "TAG_PUSH" });
    const failedAttempts = await value("msrwh_delivery_attempt_duration_seconds_count", { outcome: "retrying", type: "TAG_PUSH" });
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "flaky") });
    expect((await settled(w.id)).status).toBe("succeeded");
    await counted("msrwh_deliveries_total", { outcome: "succeeded", type: "TAG_PUSH" }, succeeded + 1);
    expect(await value("msrwh_deliveries_total", { outcome: "retrying", type: "TAG_PUSH" })).toBe(retrying + 1);
    expect(await value("msrwh_delivery_attempt_duration_seconds_count", { outcome: "retrying", type: "TAG_PUSH" })).toBe(failedAttempts + 1);
  });

  it("counts a 410 Gone as failed, and the webhook it disabled", async () => {
    replies.set("/gone", () => ({ status: 410 }));
    const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/gone", endpoint: `${receiver.url}/gone`, author: alice });
    const failed = await value("msrwh_deliveries_total", { outcome: "failed", type: "TAG_PUSH" });
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "gone") });
    expect((await settled(w.id)).status).toBe("failed");
    await counted("msrwh_deliveries_total", { outcome: "failed", type: "TAG_PUSH" }, failed + 1);
    expect(await value("msrwh_webhooks_disabled")).toBe(1);
  });

  it("counts deliveries of an inactive webhook as skipped", async () => {
    const w = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/paused", endpoint: `${receiver.url}/paused`, author: alice, inactive: true });
    const eventId = await insertEvent(h.db, { namespace: "foo", repository: "paused", status: "fanned_out" });
    const deliveryId = await insertDelivery(h.db, eventId, w.id);
    await h.queues.delivery.addBulk([deliveryJob(deliveryId, loadConfig(h.env).retry)]);
    expect((await settled(w.id)).status).toBe("skipped");
    await counted("msrwh_deliveries_total", { outcome: "skipped", type: "TAG_PUSH" }, 1);
    expect(counts.get("/paused")).toBeUndefined();
  });

  it("counts an invalid producer event as rejected, with a bounded type label", async () => {
    const invalid = await value("msrwh_events_rejected_total", { type: "TAG_PUSH", source: "queue" });
    const unknown = await value("msrwh_events_rejected_total", { type: "invalid", source: "queue" });
    await h.publish({ type: "TAG_PUSH", contents: { namespace: "foo" } });
    await h.publish({ type: "NOT_A_REAL_TYPE", contents: {} });
    await waitUntil(async () => (await value("msrwh_events_rejected_total", { type: "invalid", source: "queue" })) === unknown + 1, {
      what: "the unknown type to be rejected",
    });
    await waitUntil(async () => (await value("msrwh_events_rejected_total", { type: "TAG_PUSH", source: "queue" })) === invalid + 1, {
      what: "the invalid TAG_PUSH to be rejected",
    });
    expect(await scrape()).not.toContain("NOT_A_REAL_TYPE");
  });

  it("reads queue depths on each scrape", async () => {
    const delayed = await value("msrwh_queue_jobs", { queue: "deliveries", state: "delayed" });
    await h.queues.delivery.add("probe", { deliveryId: "00000000-0000-4000-8000-00000000abcd" }, { delay: 600_000, jobId: "metrics-probe" });
    expect(await value("msrwh_queue_jobs", { queue: "deliveries", state: "delayed" })).toBe(delayed + 1);
    await h.queues.delivery.remove("metrics-probe");
    expect(await value("msrwh_queue_jobs", { queue: "deliveries", state: "delayed" })).toBe(delayed);
  });

  it("counts due retries waiting in BullMQ's prioritized lane", async () => {
    const prioritized = await value("msrwh_queue_jobs", { queue: "deliveries", state: "prioritized" });
    await h.queues.delivery.pause();
    try {
      await h.queues.delivery.add("probe", { deliveryId: "00000000-0000-4000-8000-00000000abce" }, { priority: 1, jobId: "metrics-probe-prioritized" });
      expect(await value("msrwh_queue_jobs", { queue: "deliveries", state: "prioritized" })).toBe(prioritized + 1);
      await h.queues.delivery.remove("metrics-probe-prioritized");
      expect(await value("msrwh_queue_jobs", { queue: "deliveries", state: "prioritized" })).toBe(prioritized);
    } finally {
      await h.queues.delivery.resume();
    }
  });
});
