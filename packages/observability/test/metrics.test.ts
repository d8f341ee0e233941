// The shared metric set: every metric is registered (with the service label) from the start, the
// counters and histograms move when told, queue depths and the disabled-webhook count are read
// from real Redis and PostgreSQL on each scrape, and a source that fails or hangs leaves a gap
// instead of stalling the scrape.
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { sample, SHARED_METRIC_NAMES } from "@msr-webhooks/testing/metrics-text";
import { createTestDatabase, type TestDatabase } from "@msr-webhooks/testing/database";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import { createMetrics, disabledWebhooksCounter, eventTypeLabel, METRICS_CONTENT_TYPE, type QueueLike } from "../src/metrics.js";

// How long a real Redis or PostgreSQL source may take where that limit is not what a test is
// about: far beyond a loaded machine's answer, so only the hanging source meets a timeout.
const PATIENT_MS = 30_000;


describe("createMetrics", () => {
  it("registers every metric with the service label and the default process metrics", async () => {
    const metrics = createMetrics({ service: "api" });
    const text = await metrics.text();
    for (const name of [...SHARED_METRIC_NAMES, "process_cpu_user_seconds_total", "nodejs_eventloop_lag_seconds"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // The breaker's seam: registered at 0 until something provides the count.
    expect(sample(text, "msrwh_open_circuits", { service: "api" })).toBe(0);
    expect(METRICS_CONTENT_TYPE).toMatch(/^text\/plain/);
  });

  it("keeps two sets in one process apart", async () => {
    const a = createMetrics({ service: "api", processMetrics: false });
    const b = createMetrics({ service: "worker", processMetrics: false });
    a.eventsReceived.inc({ type: "TAG_PUSH", source: "http" });
    expect(sample(await a.text(), "msrwh_events_received_total", { type: "TAG_PUSH", source: "http", service: "api" })).toBe(1);
    expect(sample(await b.text(), "msrwh_events_received_total", { type: "TAG_PUSH" })).toBeUndefined();
    expect(await a.text()).not.toContain("process_cpu_user_seconds_total");
  });

  it("moves counters and histograms", async () => {
    const m = createMetrics({ service: "worker", processMetrics: false });
    m.eventsRejected.inc({ type: eventTypeLabel("NOT_A_TYPE"), source: "queue" });
    m.deliveries.inc({ outcome: "succeeded", type: "TAG_PUSH" });
    m.attemptDuration.observe({ outcome: "succeeded", type: "TAG_PUSH" }, 0.02);
    m.deliveryLatency.observe({ type: "TAG_PUSH" }, 0.3);
    const text = await m.text();
    expect(sample(text, "msrwh_events_rejected_total", { type: "invalid", source: "queue" })).toBe(1);
    expect(sample(text, "msrwh_deliveries_total", { outcome: "succeeded", type: "TAG_PUSH" })).toBe(1);
    expect(sample(text, "msrwh_delivery_attempt_duration_seconds_count", { outcome: "succeeded", type: "TAG_PUSH" })).toBe(1);
    expect(sample(text, "msrwh_delivery_attempt_duration_seconds_bucket", { le: "0.025", type: "TAG_PUSH" })).toBe(1);
    expect(sample(text, "msrwh_delivery_attempt_duration_seconds_bucket", { le: "0.01", type: "TAG_PUSH" })).toBe(0);
    expect(sample(text, "msrwh_delivery_latency_seconds_sum", { type: "TAG_PUSH" })).toBeCloseTo(0.3);
  });

  it("bounds the event type label", () => {
    expect(eventTypeLabel("TAG_PUSH")).toBe("TAG_PUSH");
    expect(eventTypeLabel("x".repeat(300))).toBe("invalid");
    expect(eventTypeLabel(undefined)).toBe("invalid");
  });

  it("reads the open-circuit count from the seam once one is provided", async () => {
    const m = createMetrics({ service: "worker", processMetrics: false });
    let open = 3;
    m.setSources({ openCircuits: () => open });
    expect(sample(await m.text(), "msrwh_open_circuits")).toBe(3);
    open = 0;
    expect(sample(await m.text(), "msrwh_open_circuits")).toBe(0);
    // A breaker kept in Redis answers asynchronously; one that fails reads as unknown (NaN), not 0.
    m.setSources({ openCircuits: async () => 2 });
    expect(sample(await m.text(), "msrwh_open_circuits")).toBe(2);
    m.setSources({ openCircuits: () => Promise.reject(new Error("redis down")) });
    expect(sample(await m.text(), "msrwh_open_circuits")).toBeNaN();
  });
});

describe("queue depths on scrape (real Redis)", () => {
  const prefix = testQueuePrefix();
  let redis: Redis;
  let queue: Queue;
  let worker: Worker | undefined;
  const workerConnection = new Redis(redisUrl(), { maxRetriesPerRequest: null });

  beforeAll(() => {
    redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    queue = new Queue("deliveries", { connection: redis, prefix });
  });

  afterAll(async () => {
    await worker?.close();
    workerConnection.disconnect();
    await queue.close();
    redis.disconnect();
    await deletePrefix(prefix);
  });

  it("counts waiting, delayed, failed and active jobs per queue", async () => {
    const m = createMetrics({ service: "worker", processMetrics: false, sourceTimeoutMs: PATIENT_MS, sources: { queues: [queue] } });
    expect(sample(await m.text(), "msrwh_queue_jobs", { queue: "deliveries", state: "waiting" })).toBe(0);

    await queue.add("a", {}, { delay: 60_000 });
    await queue.add("b", {}, { delay: 60_000 });
    await queue.add("fail", {}, { attempts: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let activeSeen!: () => void;
    const active = new Promise<void>((resolve) => (activeSeen = resolve));
    worker = new Worker(
      "deliveries",
      async (job) => {
        if (job.name === "fail") throw new Error("no");
        activeSeen();
        await held;
      },
      { connection: workerConnection, prefix, concurrency: 1, autorun: false },
    );
    const failed = new Promise<void>((resolve) => worker!.once("failed", () => resolve()));
    void worker.run();
    await failed;
    await queue.add("hold", {});
    await active;
    await queue.add("wait-1", {});
    await queue.add("wait-2", {});

    const text = await m.text();
    expect(sample(text, "msrwh_queue_jobs", { queue: "deliveries", state: "delayed" })).toBe(2);
    expect(sample(text, "msrwh_queue_jobs", { queue: "deliveries", state: "failed" })).toBe(1);
    expect(sample(text, "msrwh_queue_jobs", { queue: "deliveries", state: "active" })).toBe(1);
    expect(sample(text, "msrwh_queue_jobs", { queue: "deliveries", state: "waiting" })).toBe(2);
    release();
  });

  it("leaves the depths out while Redis is down or a count hangs, without stalling the scrape", async () => {
    const hanging: QueueLike = { name: "events", getJobCounts: () => new Promise(() => undefined) };
    const m = createMetrics({
      service: "api",
      processMetrics: false,
      // The real queue must answer within it, so it leaves room for a loaded machine; it is also
      // how long this scrape waits on the hanging count.
      sourceTimeoutMs: 2000,
      sources: { queues: [queue, hanging] },
    });
    // The scrape settling at all is sourceTimeoutMs at work: the hanging count never would.
    const text = await m.text();
    expect(sample(text, "msrwh_queue_jobs", { queue: "events" })).toBeUndefined();
    expect(sample(text, "msrwh_queue_jobs", { queue: "deliveries", state: "delayed" })).toBe(2);

    m.setSources({ queuesReady: () => false });
    expect(sample(await m.text(), "msrwh_queue_jobs", { queue: "deliveries" })).toBeUndefined();
  });
});

describe("disabled webhooks on scrape (real PostgreSQL)", () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it("counts webhooks the system disabled, not those a user switched off", async () => {
    const query = async (q: string) => (await pool.query(q)).rows;
    const m = createMetrics({
      service: "api",
      processMetrics: false,
      sourceTimeoutMs: PATIENT_MS,
      sources: { countDisabledWebhooks: disabledWebhooksCounter(query) },
    });
    expect(sample(await m.text(), "msrwh_webhooks_disabled")).toBe(0);

    const author = "00000000-0000-4000-8000-000000000001";
    await pool.query(`INSERT INTO "Account" (id, name) VALUES ($1, 'alice')`, [author]);
    const insert = (id: string, inactive: boolean, disabledAt: Date | null) =>
      pool.query(
        `INSERT INTO "Webhook" (id, type, key, "namespaceId", endpoint, "authorId", inactive, "disabledAt", "signingSecret")
         VALUES ($1, 'TAG_PUSH', 'alice', $2, 'http://127.0.0.1/x', $2, $3, $4, 'whsec_x')`,
        [id, author, inactive, disabledAt],
      );
    await insert("w1", true, new Date());
    await insert("w2", true, new Date());
    await insert("w3", true, null);
    await insert("w4", false, null);
    expect(sample(await m.text(), "msrwh_webhooks_disabled")).toBe(2);
  });

  it("reports NaN, not 0, when the count fails", async () => {
    const m = createMetrics({
      service: "api",
      processMetrics: false,
      sources: { countDisabledWebhooks: () => Promise.reject(new Error("down")) },
    });
    expect(sample(await m.text(), "msrwh_webhooks_disabled")).toBeNaN();
  });
});
