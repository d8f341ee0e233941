// ensureJob (src/shared/job-presence.ts) against a real Redis: a job that is not there is added
// without a search of the queue's waiting and active lists, whose cost grows with the backlog; one
// that is there waiting is left as it is; a finished one is replaced.
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { createQueues, createRedis, type Queues } from "@msr-webhooks/queue/connection";
import { deletePrefix, redisUrl, testQueuePrefix } from "@msr-webhooks/testing/redis";
import { ensureJob } from "../src/shared/job-presence.js";
import { waitUntil } from "./support/wait.js";

/** Jobs waiting ahead of the one asked for: a burst's backlog. */
const BACKLOG = 2000;

const job = (id: string) => ({ name: "deliver", data: { deliveryId: id }, opts: { jobId: id } });

describe("ensureJob", () => {
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

  it("adds a job that is not there without searching the queue's lists", async () => {
    const monitor = await redis.monitor();
    const searches: string[] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      const [command = "", key = ""] = args;
      if (/^(lpos|lrange)$/i.test(command) && key.startsWith(`${prefix}:`)) searches.push(`${command} ${key}`);
    });
    try {
      await expect(ensureJob(queues.delivery, job("absent"))).resolves.toBe("added");
    } finally {
      monitor.disconnect();
    }
    expect(searches).toEqual([]);
    expect(await queues.delivery.getJobState("absent")).toBe("waiting");
    expect(await queues.delivery.getWaitingCount()).toBe(BACKLOG + 1);
  });

  it("leaves a job that is there waiting as it is", async () => {
    await expect(ensureJob(queues.delivery, job("backlog-7"))).resolves.toBe("present");
    expect(await queues.delivery.getJobState("backlog-7")).toBe("waiting");
    expect(await queues.delivery.getWaitingCount()).toBe(BACKLOG + 1);
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
