// The delivery path on a real Redis Cluster (3 masters, a replica each, started by this test):
// producer -> ingest -> fan-out -> the endpoint gate -> delivery, with the built worker as a
// process given REDIS_CLUSTER_NODES. Then kill -9 of the master that holds the deployment's hash
// slot in the middle of a run: the cluster promotes its replica, the worker follows, and every
// (event, webhook) pair still reaches the receiver: counted by webhook-id, duplicates allowed
// (at-least-once), nothing lost. Events are stored in PostgreSQL before the kill: what only the
// killed master held (asynchronous replication) is re-queued by the reconciler from there.
import { describeWhen } from "@msr-webhooks/testing/describe-when";
import type { ChildProcess } from "node:child_process";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { createQueues, createRedis, type Queues } from "@msr-webhooks/queue/connection";
import { keyPrefix, redisSettings } from "@msr-webhooks/queue/redis-settings";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { redisServerAvailable, startRedisCluster, type RedisCluster } from "@msr-webhooks/testing/redis-cluster";
import { createHarness, type Harness } from "./support/harness.js";
import { createFooBarSubscriptions, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const WEBHOOKS = 50;

const describeCluster = describeWhen(redisServerAvailable(), "Redis Cluster: redis-server and redis-cli are not installed (scripts/ensure-services.sh installs them)");

describeCluster("on a Redis Cluster", () => {
  let cluster: RedisCluster;
  let h: Harness;
  let receiver: Receiver;
  let redis: Redis;
  let queues: Queues;
  let worker: ChildProcess;
  let prefix: string;
  let published = 0;

  let stderr = "";
  const distinct = (): number => new Set(receiver.requests.map((r) => String(r.headers["webhook-id"]))).size;
  /** Fails at once, with its last words, when the worker process has exited. */
  const workerAlive = (): void => {
    if (worker.exitCode !== null || worker.signalCode !== null) {
      throw new Error(`the worker exited (${String(worker.exitCode ?? worker.signalCode)}): ${stderr.slice(-2000)}`);
    }
  };

  async function publish(count: number): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      published += 1;
      const event = { type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `v${published}`) };
      await (queues.ingest as Queue).add("TAG_PUSH", event, { removeOnComplete: true });
    }
  }

  /** Every published event reached every webhook and every delivery row is finished. */
  async function everythingDelivered(): Promise<{ expected: number; arrived: number; duplicates: number }> {
    const expected = published * WEBHOOKS;
    await waitUntil(
      async () => {
        workerAlive();
        return distinct() >= expected && (await h.db.delivery.count({ where: { status: "succeeded" } })) === expected;
      },
      { intervalMs: 250, what: () => `${expected} deliveries (${distinct()} arrived)` },
    );
    expect(distinct()).toBe(expected);
    expect(await h.db.delivery.count({ where: { status: { not: "succeeded" } } })).toBe(0);
    return { expected, arrived: distinct(), duplicates: receiver.requests.length - distinct() };
  }

  beforeAll(async () => {
    cluster = (await startRedisCluster(3, 1))!;
    h = await createHarness({
      // A killed master's jobs are noticed fast: short locks and stall checks, a quick reconcile.
      WORKER_LOCK_DURATION_MS: "2000",
      WORKER_STALLED_INTERVAL_MS: "1000",
      RECONCILE_INTERVAL: "1s",
      RECONCILE_MIN_AGE: "1s",
      DELIVERY_CONCURRENCY: "20",
      REDIS_URL: "",
      REDIS_CLUSTER_NODES: cluster.nodeList,
    });
    const settings = redisSettings({ REDIS_CLUSTER_NODES: cluster.nodeList, REDIS_TLS: "false" }, (m) => new Error(m));
    prefix = keyPrefix(h.prefix, settings);
    redis = createRedis(settings);
    redis.on("error", () => undefined);
    queues = createQueues(redis, { prefix });
    receiver = await startReceiver({ handler: () => ({ status: 200, delayMs: 5 }) });
    const alice = await ownerOfFooBar(h.db, "alice");
    await createFooBarSubscriptions(h.db, alice, WEBHOOKS, receiver.url);
    worker = h.spawnWorker({}, { captureStderr: true });
    worker.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.kill("SIGTERM");
      await exited;
    }
    await queues?.close();
    redis?.disconnect();
    await receiver?.close();
    await h?.close();
    await cluster?.stop();
  });

  it("keeps every key of the deployment in the prefix's hash slot", async () => {
    await publish(2);
    await everythingDelivered();
    // One node of the cluster holds them all; SCAN on it finds BullMQ's and the gate's keys.
    const master = await cluster.masterOf(prefix);
    const node = createRedis(`redis://127.0.0.1:${master}`);
    try {
      const keys = await node.keys("*");
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => !k.startsWith(`${prefix}:`))).toEqual([]);
      expect(keys.some((k) => k.startsWith(`${prefix}:deliveries:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${prefix}:endpoint:`))).toBe(true);
    } finally {
      node.disconnect();
    }
  });

  it("survives kill -9 of the master holding the queues: its replica takes over, nothing is lost", async () => {
    const before = receiver.requests.length;
    await publish(20);
    // Stored and fanned out first: PostgreSQL has the record of every delivery the kill may cut off.
    await waitUntil(async () => (workerAlive(), (await h.db.event.count({ where: { status: "fanned_out" } })) === published), {
      what: "the events to be fanned out",
    });
    await waitUntil(() => receiver.requests.length >= before + 100, { what: "the run to be under way" });
    const master = await cluster.masterOf(prefix);
    cluster.kill(master);
    const atKill = distinct();
    expect(atKill).toBeLessThan(published * WEBHOOKS);
    const promoted = await cluster.failedOver(prefix, master);
    expect(promoted).not.toBe(master);
    await publish(10);
    const figures = await everythingDelivered();
    expect(worker.exitCode).toBeNull();
    console.info(`redis cluster failover: ${JSON.stringify({ sent: figures.expected, arrivedBeforeKill: atKill, arrived: figures.arrived, duplicates: figures.duplicates })}`);
  });
});
