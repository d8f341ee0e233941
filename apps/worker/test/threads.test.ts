// WORKER_THREADS: one worker process running deliveries on several threads. Every pair is
// delivered once, the deliveries are spread over the threads, /metrics adds the threads' counters up
// without multiplying the process-wide gauges, SIGTERM stops every thread, and a thread that fails
// at start or later stops the worker instead of leaving it running short-handed. The process runs
// dist/ (the test task depends on the build).
import { loadConfig, threadShare } from "../src/config.js";
import { WorkerThreads } from "../src/threads/worker-threads.js";
import { exited, silentLogger } from "./support/harness.js";
import { createFooBarSubscriptions, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { freePort } from "@msr-webhooks/testing/free-port";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { waitUntil } from "./support/wait.js";

/** The value of one series in a Prometheus text exposition, or undefined. */
function series(text: string, line: RegExp): number | undefined {
  const m = text.match(line);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

describe("WORKER_THREADS in the config", () => {
  const REQUIRED = { DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x", REDIS_URL: "redis://127.0.0.1:6379" };

  it("splits the process's delivery concurrency over its threads, rounding up", () => {
    const c = loadConfig({ ...REQUIRED, WORKER_THREADS: "3", DELIVERY_CONCURRENCY: "200", FANOUT_CONCURRENCY: "7" });
    expect(c.threads).toBe(3);
    const share = threadShare(c);
    expect(share.concurrency.delivery).toBe(67);
    // Ingest and fan-out run on the main thread only, with the whole setting.
    expect(share.concurrency.fanout).toBe(7);
    expect(threadShare(loadConfig({ ...REQUIRED, WORKER_THREADS: "1" })).concurrency).toEqual(loadConfig(REQUIRED).concurrency);
  });

  it("defaults to one thread, takes 0 as one per core (at most 4), and refuses what is not a count", () => {
    expect(loadConfig(REQUIRED).threads).toBe(1);
    expect(loadConfig({ ...REQUIRED, WORKER_THREADS: "0" }).threads).toBeGreaterThanOrEqual(1);
    expect(loadConfig({ ...REQUIRED, WORKER_THREADS: "0" }).threads).toBeLessThanOrEqual(4);
    expect(() => loadConfig({ ...REQUIRED, WORKER_THREADS: "two" })).toThrow(/WORKER_THREADS/);
    expect(() => loadConfig({ ...REQUIRED, WORKER_THREADS: "-1" })).toThrow(/WORKER_THREADS/);
    expect(() => loadConfig({ ...REQUIRED, WORKER_THREADS: "65" })).toThrow(/WORKER_THREADS/);
  });
});

describe("a thread that fails", () => {
  it("at start: the worker does not start", async () => {
    const entry = new URL("./fixtures/thread-fails-at-start.mjs", import.meta.url);
    await expect(WorkerThreads.start({ count: 2, log: silentLogger(), entry })).rejects.toThrow(/no database for this thread/);
  });

  it("later: the failure is reported once, naming the thread", async () => {
    const entry = new URL("./fixtures/thread-dies-later.mjs", import.meta.url);
    const failures: Error[] = [];
    const threads = await WorkerThreads.start({ count: 2, log: silentLogger(), entry, onFailure: (err) => failures.push(err) });
    await waitUntil(() => failures.length > 0, { what: "the failure to be reported" });
    // Both threads die; once close() has seen every thread gone, no later report can come.
    await threads.close(100);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/worker thread \d exited with 3/);
  });
});

describe("a worker process with 3 threads", () => {
  const t = useHarnessWithReceiver({ env: { LOG_LEVEL: "warn" }, receiver: { handler: () => ({ status: 200, delayMs: 2 }) } });
  const SUBSCRIPTIONS = 60;
  const EVENTS = 10;

  beforeAll(async () => {
    const alice = await ownerOfFooBar(t.h.db, "alice");
    await createFooBarSubscriptions(t.h.db, alice, SUBSCRIPTIONS, t.receiver.url);
  });

  it("delivers every pair once, spreads the jobs, sums the threads' metrics, and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = t.h.spawnWorker({ WORKER_THREADS: "3", WORKER_HTTP_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    // Every thread runs its own BullMQ delivery worker on the shared queue; fan-out runs on one.
    await waitUntil(async () => (await t.h.queues.delivery.getWorkers()).length === 3, { what: "3 delivery workers" });
    expect(await t.h.queues.fanout.getWorkers()).toHaveLength(1);

    for (let i = 0; i < EVENTS; i += 1) await t.h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `v${i}`) });
    await t.receiver.waitFor(SUBSCRIPTIONS * EVENTS);
    const ids = new Set(t.receiver.requests.map((r) => String(r.headers["webhook-id"])));
    expect(ids.size).toBe(SUBSCRIPTIONS * EVENTS);
    await waitUntil(async () => (await t.h.db.delivery.count({ where: { status: "succeeded" } })) === SUBSCRIPTIONS * EVENTS, {
      what: "every delivery recorded",
    });

    const text = await waitUntil(
      async () => {
        const body = await (await fetch(`${base}/metrics`)).text();
        const ok = series(body, /^msrwh_deliveries_total\{[^}]*outcome="succeeded"[^}]*\} (\d+)$/m);
        return ok === SUBSCRIPTIONS * EVENTS && body;
      },
      { what: "/metrics to count every delivery", intervalMs: 200 },
    );
    // Gauges and process metrics come from the main thread only, once.
    expect(text.match(/^msrwh_open_circuits\{/gm)).toHaveLength(1);
    expect(series(text, /^msrwh_open_circuits\{service="worker"\} (\d+)$/m)).toBe(0);
    expect(text.match(/^process_resident_memory_bytes\{/gm)).toHaveLength(1);
    expect(series(text, /^msrwh_delivery_attempt_duration_seconds_count\{[^}]*outcome="succeeded"[^}]*\} (\d+)$/m)).toBe(SUBSCRIPTIONS * EVENTS);

    child.kill("SIGTERM");
    expect((await exited(child)).code).toBe(0);
    expect(await t.h.queues.delivery.getWorkers()).toHaveLength(0);
  });
});
