// The built worker as a process: kill -9 in the middle of 2,000 deliveries loses nothing once a
// new worker runs (every pair reaches the receiver at least once, counted by webhook-id), and
// SIGTERM lets an attempt in flight finish before exiting, or leaves it to be retried when the
// grace period runs out. The receiver holds the SIGTERM tests' replies until the test lets them
// go, so "in flight when the shutdown began" and "still unanswered at exit" are facts, not timing.
// Runs dist/ (the test task depends on the build).
import type { ChildProcess } from "node:child_process";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, exited, type Harness } from "./support/harness.js";
import { bindingOf, createFooBarSubscriptions, ownerOfFooBar, tagPushContents, webhookData, type AccountRef } from "./support/seed.js";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { waitUntil } from "./support/wait.js";

/** Fast failure detection for a killed process: short BullMQ locks and stall checks, short attempt timeouts, quick reconcile. */
const PROCESS_ENV = {
  WORKER_LOCK_DURATION_MS: "2000",
  WORKER_STALLED_INTERVAL_MS: "1000",
  DELIVERY_TIMEOUT_MS: "1500",
  RECONCILE_INTERVAL: "1s",
  RECONCILE_MIN_AGE: "1s",
  LOG_LEVEL: "warn",
};

/** Everything the child writes to stdout (its JSON log lines), as it comes. */
function output(child: ChildProcess): () => string {
  let text = "";
  child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
  return () => text;
}

async function seedNamespace(h: Harness): Promise<AccountRef> {
  const alice = await ownerOfFooBar(h.db, "alice");
  return alice;
}

describe("kill -9 in the middle of 2,000 deliveries", () => {
  const t = useHarnessWithReceiver({ env: PROCESS_ENV, receiver: { handler: () => ({ status: 200, delayMs: 5 }) } });
  const SUBSCRIPTIONS = 200;
  const EVENTS = 10;

  beforeAll(async () => {
    const alice = await seedNamespace(t.h);
    await createFooBarSubscriptions(t.h.db, alice, SUBSCRIPTIONS, t.receiver.url);
  });

  it("delivers every (event, subscription) pair at least once after a new worker starts", async () => {
    const first = t.h.spawnWorker({ DELIVERY_CONCURRENCY: "20" });
    for (let i = 0; i < EVENTS; i += 1) await t.h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `v${i}`) });
    await t.receiver.waitFor(300);
    first.kill("SIGKILL");
    const { signal } = await exited(first);
    expect(signal).toBe("SIGKILL");
    const atKill = t.receiver.requests.length;
    expect(atKill).toBeLessThan(SUBSCRIPTIONS * EVENTS);

    t.h.spawnWorker();
    const ids = await waitUntil(
      () => {
        const distinct = new Set(t.receiver.requests.map((r) => String(r.headers["webhook-id"])));
        return distinct.size >= SUBSCRIPTIONS * EVENTS && distinct;
      },
      { intervalMs: 200, what: () => `every pair to be delivered (${new Set(t.receiver.requests.map((r) => String(r.headers["webhook-id"]))).size} of ${SUBSCRIPTIONS * EVENTS})` },
    );
    expect(ids.size).toBe(SUBSCRIPTIONS * EVENTS);
    const deliveries = await t.h.db.delivery.findMany({ select: { id: true, status: true } });
    expect(deliveries).toHaveLength(SUBSCRIPTIONS * EVENTS);
    expect(new Set(deliveries.map((d) => d.id))).toEqual(ids);
    await waitUntil(async () => (await t.h.db.delivery.count({ where: { status: "succeeded" } })) === SUBSCRIPTIONS * EVENTS, {
      what: "every delivery recorded as succeeded",
    });
    expect(await t.h.db.event.count({ where: { status: "fanned_out" } })).toBe(EVENTS);
  });
});

describe("SIGTERM", () => {
  let h: Harness;
  let receiver: Receiver;
  let alice: AccountRef;
  /** While set, each reply waits until the test lets the held ones go. */
  let holding = false;
  const held: (() => void)[] = [];
  const letGo = (): void => {
    for (const release of held.splice(0)) release();
  };

  beforeAll(async () => {
    h = await createHarness(PROCESS_ENV);
    receiver = await startReceiver({
      handler: async () => {
        if (holding) await new Promise<void>((resolve) => held.push(resolve));
        return { status: 200 };
      },
    });
    alice = await seedNamespace(h);
  });

  afterAll(async () => {
    holding = false;
    letGo();
    await receiver.close();
    await h.close();
  });

  it("finishes the attempt in flight within the grace period, then exits", async () => {
    const w = await h.db.webhook.create({
      data: webhookData({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/slow`, author: alice }, await bindingOf(h.db, "foo/bar")),
    });
    holding = true;
    // A grace period far longer than the test: the attempt's end, not a timer, ends the shutdown.
    const child = h.spawnWorker({ SHUTDOWN_GRACE_MS: "600000", LOG_LEVEL: "info" }, { captureStdout: true });
    const log = output(child);
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "graceful") });
    await receiver.waitFor(1);
    child.kill("SIGTERM");
    // The shutdown has begun with the attempt in flight (its reply held); only then does the reply go.
    await waitUntil(() => log().includes('"message":"shutting down"'), { what: () => `the worker to start shutting down (${log()})` });
    expect(child.exitCode).toBeNull();
    holding = false;
    letGo();
    const { code } = await exited(child);
    expect(code).toBe(0);
    // It waited for the reply instead of dropping the attempt.
    const d = await h.db.delivery.findFirstOrThrow({ where: { webhookId: w.id }, include: { attempts: true } });
    expect(d.status).toBe("succeeded");
    expect(d.attempts).toHaveLength(1);
    expect(log()).not.toContain("grace period over");
    await h.db.webhook.update({ where: { id: w.id }, data: { inactive: true } });
  });

  it("exits when the grace period runs out, and the attempt is retried by the next worker", async () => {
    receiver.requests.length = 0;
    const w = await h.db.webhook.create({
      data: webhookData({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/slower`, author: alice }, await bindingOf(h.db, "foo/bar")),
    });
    holding = true;
    const child = h.spawnWorker({ SHUTDOWN_GRACE_MS: "200" }, { captureStdout: true });
    const log = output(child);
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "impatient") });
    await receiver.waitFor(1);
    child.kill("SIGTERM");
    // It exits with the reply still held: it did not wait for the attempt.
    const { code } = await exited(child);
    expect(code).toBe(0);
    expect(held).toHaveLength(1);
    expect(log()).toContain("grace period over with attempts still in flight; they will be retried");
    const cut = await h.db.delivery.findFirstOrThrow({ where: { webhookId: w.id } });
    expect(cut.status).toBe("pending");

    holding = false;
    letGo();
    h.spawnWorker();
    const d = await waitUntil(
      () => h.db.delivery.findFirst({ where: { webhookId: w.id, status: "succeeded" }, include: { attempts: true } }),
      { what: "the interrupted delivery to be retried" },
    );
    // The receiver saw the delivery twice under one webhook-id: the dedupe key did its job.
    const seen = receiver.requests.filter((r) => r.path === "/slower");
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen.map((r) => r.headers["webhook-id"]))).toEqual(new Set([d.id]));
    expect(d.attempts.length).toBeGreaterThanOrEqual(1);
  });

  it("refuses to start with a bad setting, naming it", async () => {
    const child = h.spawnWorker({ RETRY_JITTER: "lots" }, { captureStderr: true });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const { code } = await exited(child);
    expect(code).toBe(1);
    expect(stderr).toContain("RETRY_JITTER");
  });
});
