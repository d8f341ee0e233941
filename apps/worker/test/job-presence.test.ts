// ensureJob (src/shared/job-presence.ts) against a real Redis: whether the job is there or not, it
// never searches the queue's waiting and active lists, whose length is the backlog; a job that is
// there waiting is left as it is, a delayed one is kept, promoted or left, and a finished one is
// replaced.
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { createQueues, createRedis, type Queues } from "@msr-webhooks/queue/connection";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import { ensureJob } from "../src/shared/job-presence.js";
import { waitUntil } from "./support/wait.js";

/** Jobs waiting ahead of the one asked for: a burst's backlog. */
const BACKLOG = 2000;

const job = (id: string, delay?: number) => ({ name: "deliver", data: { deliveryId: id }, opts: { jobId: id, ...(delay ? { delay } : {}) } });

let prefix: string;
let redis: Redis;
let queues: Queues;

beforeAll(async () => {
  prefix = testQueuePrefix();
  redis = createRedis(redisUrl());
  queues = createQueues(redis, { prefix });
  for (let i = 0; i < BACKLOG; i += 500) {
    await queues.delivery.addBulk(Array.from({ length: 500 }, (_, k) => job(`backlog-${i + k}`)));
  }
});

afterAll(async () => {
  await queues.close();
  redis.disconnect();
  await deletePrefix(prefix);
});

/** The list searches (LPOS, LRANGE) Redis ran on this test's keys while `call` ran. */
async function searchesDuring(call: () => Promise<unknown>): Promise<string[]> {
  const monitor = await redis.monitor();
  const searches: string[] = [];
  const sentinel = `${prefix}:monitor-sentinel`;
  let sentinelSeen = false;
  monitor.on("monitor", (_time: string, args: string[]) => {
    const [command = "", key = ""] = args;
    if (/^(lpos|lrange)$/i.test(command) && key.startsWith(`${prefix}:`)) searches.push(`${command} ${key}`);
    if (key === sentinel) sentinelSeen = true;
  });
  try {
    await call();
    // MONITOR's lines come on their own connection: the sentinel, sent last, says all came.
    await redis.get(sentinel);
    await waitUntil(() => sentinelSeen, { what: "the monitor to see the sentinel" });
  } finally {
    monitor.disconnect();
  }
  return searches;
}

describe("ensureJob", () => {
  it("adds a job that is not there without searching the queue's lists", async () => {
    const waiting = await queues.delivery.getWaitingCount();
    expect(await searchesDuring(() => expect(ensureJob(queues.delivery, job("absent"))).resolves.toBe("added"))).toEqual([]);
    expect(await queues.delivery.getJobState("absent")).toBe("waiting");
    expect(await queues.delivery.getWaitingCount()).toBe(waiting + 1);
  });

  it("leaves a job that is there waiting as it is, without searching for it", async () => {
    const waiting = await queues.delivery.getWaitingCount();
    expect(await searchesDuring(() => expect(ensureJob(queues.delivery, job("backlog-1999"))).resolves.toBe("present"))).toEqual([]);
    expect(await queues.delivery.getJobState("backlog-1999")).toBe("waiting");
    expect(await queues.delivery.getWaitingCount()).toBe(waiting);
  });

  it("keeps a delayed job delayed, or promotes it when asked", async () => {
    await queues.delivery.add("deliver", { deliveryId: "later" }, { jobId: "later", delay: 3_600_000 });
    await expect(ensureJob(queues.delivery, job("later"))).resolves.toBe("present");
    expect(await queues.delivery.getJobState("later")).toBe("delayed");
    await expect(ensureJob(queues.delivery, job("later"), { delayed: "promote" })).resolves.toBe("promoted");
    expect(await queues.delivery.getJobState("later")).toBe("waiting");
    // Waiting now: nothing to promote any more.
    await expect(ensureJob(queues.delivery, job("later"), { delayed: "promote" })).resolves.toBe("present");
  });

  it("reschedules a delayed job to the caller's delay", async () => {
    await queues.delivery.add("deliver", { deliveryId: "much-later" }, { jobId: "much-later", delay: 3_600_000 });
    await expect(ensureJob(queues.delivery, job("much-later", 60_000), { delayed: "reschedule" })).resolves.toBe("rescheduled");
    const rescheduled = await queues.delivery.getJob("much-later");
    expect(rescheduled?.delay).toBe(60_000);
    expect(await queues.delivery.getJobState("much-later")).toBe("delayed");
  });

  it("replaces a finished job: the row that asks for it says that finish was not the last word", async () => {
    const { fanout } = queues;
    await fanout.add("fanout", { eventId: "e1" }, { jobId: "done-1", removeOnComplete: false });
    const connection = redis.duplicate();
    const worker = new Worker(fanout.name, async () => "ran", { connection, prefix });
    try {
      await waitUntil(async () => (await fanout.getJobState("done-1")) === "completed", { what: () => "the job to complete" });
    } finally {
      await worker.close();
      connection.disconnect();
    }
    await expect(ensureJob(fanout, { name: "fanout", data: { eventId: "e1" }, opts: { jobId: "done-1" } })).resolves.toBe("added");
    expect(await fanout.getJobState("done-1")).toBe("waiting");
  });
});
