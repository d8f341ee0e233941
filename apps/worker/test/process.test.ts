// The built worker as a process: kill -9 in the middle of 2,000 deliveries loses nothing once a
// new worker runs (every pair reaches the receiver at least once, counted by webhook-id), and
// SIGTERM lets an attempt in flight finish before exiting, or leaves it to be retried when the
// grace period runs out.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, exited, workerDir, type Harness } from "./support/harness.js";
import { bindingOf, createOrg, createRepo, createUser, webhookData, tagPushContents, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const run = promisify(execFile);

/** Fast failure detection for a killed process: short BullMQ locks and stall checks, short attempt timeouts, quick reconcile. */
const PROCESS_ENV = {
  WORKER_LOCK_DURATION_MS: "2000",
  WORKER_STALLED_INTERVAL_MS: "1000",
  DELIVERY_TIMEOUT_MS: "1500",
  RECONCILE_INTERVAL: "1s",
  RECONCILE_MIN_AGE: "1s",
  LOG_LEVEL: "warn",
};

beforeAll(async () => {
  const tsc = path.resolve(workerDir, "../../node_modules/typescript/bin/tsc");
  await run(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: workerDir });
}, 120_000);

async function seedNamespace(h: Harness): Promise<AccountRef> {
  const alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  await createRepo(h.db, foo, "bar");
  return alice;
}

describe("kill -9 in the middle of 2,000 deliveries", () => {
  let h: Harness;
  let receiver: Receiver;
  const SUBSCRIPTIONS = 200;
  const EVENTS = 10;

  beforeAll(async () => {
    h = await createHarness(PROCESS_ENV);
    receiver = await startReceiver({ handler: () => ({ status: 200, delayMs: 5 }) });
    const alice = await seedNamespace(h);
    const binding = await bindingOf(h.db, "foo/bar");
    await h.db.webhook.createMany({
      data: Array.from({ length: SUBSCRIPTIONS }, (_, i) =>
        webhookData({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/w${i}`, author: alice }, binding),
      ),
    });
  });

  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it("delivers every (event, subscription) pair at least once after a new worker starts", async () => {
    const first = h.spawnWorker({ DELIVERY_CONCURRENCY: "20" });
    for (let i = 0; i < EVENTS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `v${i}`) });
    await receiver.waitFor(300, 30_000);
    first.kill("SIGKILL");
    const { signal } = await exited(first);
    expect(signal).toBe("SIGKILL");
    const atKill = receiver.requests.length;
    expect(atKill).toBeLessThan(SUBSCRIPTIONS * EVENTS);

    h.spawnWorker();
    const ids = await waitUntil(
      () => {
        const distinct = new Set(receiver.requests.map((r) => String(r.headers["webhook-id"])));
        return distinct.size >= SUBSCRIPTIONS * EVENTS && distinct;
      },
      { timeoutMs: 90_000, intervalMs: 200, what: "every pair to be delivered" },
    );
    expect(ids.size).toBe(SUBSCRIPTIONS * EVENTS);
    const deliveries = await h.db.delivery.findMany({ select: { id: true, status: true } });
    expect(deliveries).toHaveLength(SUBSCRIPTIONS * EVENTS);
    expect(new Set(deliveries.map((d) => d.id))).toEqual(ids);
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === SUBSCRIPTIONS * EVENTS, {
      timeoutMs: 20_000,
    });
    expect(await h.db.event.count({ where: { status: "fanned_out" } })).toBe(EVENTS);
  }, 150_000);
});

describe("SIGTERM", () => {
  let h: Harness;
  let receiver: Receiver;
  let alice: AccountRef;
  let replyDelay = 0;

  beforeAll(async () => {
    h = await createHarness(PROCESS_ENV);
    receiver = await startReceiver({ handler: () => ({ status: 200, delayMs: replyDelay }) });
    alice = await seedNamespace(h);
  });

  afterAll(async () => {
    await receiver.close();
    await h.close();
  });

  it("finishes the attempt in flight within the grace period, then exits", async () => {
    const w = await h.db.webhook.create({
      data: webhookData({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/slow`, author: alice }, await bindingOf(h.db, "foo/bar")),
    });
    replyDelay = 1000;
    const child = h.spawnWorker({ SHUTDOWN_GRACE_MS: "5000" });
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "graceful") });
    await receiver.waitFor(1, 15_000);
    const signalled = Date.now();
    child.kill("SIGTERM");
    const { code } = await exited(child);
    expect(code).toBe(0);
    // It waited for the reply instead of dropping the attempt.
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(800);
    const d = await h.db.delivery.findFirstOrThrow({ where: { webhookId: w.id }, include: { attempts: true } });
    expect(d.status).toBe("succeeded");
    expect(d.attempts).toHaveLength(1);
    await h.db.webhook.update({ where: { id: w.id }, data: { inactive: true } });
  }, 30_000);

  it("exits when the grace period runs out, and the attempt is retried by the next worker", async () => {
    receiver.requests.length = 0;
    const w = await h.db.webhook.create({
      data: webhookData({ type: "TAG_PUSH", key: "foo/bar", endpoint: `${receiver.url}/slower`, author: alice }, await bindingOf(h.db, "foo/bar")),
    });
    replyDelay = 1200;
    const child = h.spawnWorker({ SHUTDOWN_GRACE_MS: "200" });
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "impatient") });
    await receiver.waitFor(1, 15_000);
    const signalled = Date.now();
    child.kill("SIGTERM");
    const { code } = await exited(child);
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(1000);
    const cut = await h.db.delivery.findFirstOrThrow({ where: { webhookId: w.id } });
    expect(cut.status).toBe("pending");

    replyDelay = 0;
    h.spawnWorker();
    const d = await waitUntil(
      () => h.db.delivery.findFirst({ where: { webhookId: w.id, status: "succeeded" }, include: { attempts: true } }),
      { timeoutMs: 20_000, what: "the interrupted delivery to be retried" },
    );
    // The receiver saw the delivery twice under one webhook-id: the dedupe key did its job.
    const seen = receiver.requests.filter((r) => r.path === "/slower");
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen.map((r) => r.headers["webhook-id"]))).toEqual(new Set([d.id]));
    expect(d.attempts.length).toBeGreaterThanOrEqual(1);
  }, 40_000);

  it("refuses to start with a bad setting, naming it", async () => {
    const child = h.spawnWorker({ RETRY_JITTER: "lots" }, { captureStderr: true });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const { code } = await exited(child);
    expect(code).toBe(1);
    expect(stderr).toContain("RETRY_JITTER");
  });
});
