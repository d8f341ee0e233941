// The plain-queue peer: what the obvious alternative to our pipeline does for the same deliveries.
// This (bench) process adds one BullMQ job per delivery (addBulk, 1,000 at a time, as events are
// published), a separate worker process (plain-queue-worker-main.ts, the worker's node flags, the
// same concurrency) posts each job's envelope to the same receiver origins. No database, no
// signing, no endpoint gate. Throughput: deliveries / (last arrival - first add), as end to end.
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { buildEnvelope, serializeEnvelope } from "@msr-webhooks/events/envelope";
import { deletePrefix, redisUrl } from "@msr-webhooks/testing/redis";
import { nowMs } from "./clock.js";
import { childReplies } from "./child-replies.js";
import { onCleanup } from "./cleanup.js";
import { cpuSnapshot, perDelivery, type CpuGroups } from "./cpu-breakdown.js";
import { tagPushEvent } from "./events.js";
import { PLAIN_QUEUE_NAME, type PlainQueueCommand, type PlainQueueJobData, type PlainQueueReply } from "./plain-queue-protocol.js";
import { cpuMsOf } from "./proc-stats.js";
import type { ReceiverProcess } from "./receiver.js";
import { WORKER_NODE_FLAGS } from "./worker-process.js";

export interface PlainQueueResult {
  deliveries: number;
  seconds: number;
  perSecond: number;
  /** CPU time of the plain-queue worker process per delivery, µs. */
  cpuUsPerDelivery: number;
  /** Machine CPU per delivery (µs) by process group ("bench" adds the jobs). */
  cpu: CpuGroups;
}

export async function measurePlainQueue(
  receiver: ReceiverProcess,
  opts: { count: number; warmup: number; concurrency: number },
): Promise<PlainQueueResult> {
  const prefix = `msrwh-bench-plain-${randomBytes(5).toString("hex")}`;
  const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  const queue = new Queue<PlainQueueJobData>(PLAIN_QUEUE_NAME, { connection: redis, prefix });
  const child = fork(path.join(import.meta.dirname, "plain-queue-worker-main.js"), [], {
    execArgv: [...WORKER_NODE_FLAGS],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const stop = onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await queue.close();
    redis.disconnect();
    await deletePrefix(prefix);
  });
  try {
    const { next, exited } = childReplies<PlainQueueReply>(child, "plain-queue worker");
    child.send({ type: "start", redisUrl: redisUrl(), prefix, concurrency: opts.concurrency } satisfies PlainQueueCommand);
    if ((await next()).type !== "ready") throw new Error("plain-queue worker: expected ready");

    let sent = 0;
    const add = async (count: number): Promise<void> => {
      for (let start = 0; start < count; start += 1000) {
        // A fresh envelope per batch, carrying its publish time, as publishSpread's events do.
        const event = tagPushEvent("app-0", nowMs());
        const body = serializeEnvelope(buildEnvelope({ type: event.type, createdAt: new Date(), contents: event.contents, location: null }));
        const jobs = Array.from({ length: Math.min(1000, count - start) }, () => {
          sent += 1;
          return {
            name: "deliver",
            data: { url: `${receiver.urls[sent % receiver.urls.length] as string}/hook/plain`, body },
            // As our delivery jobs: retried with backoff, nothing kept in Redis once done.
            opts: { jobId: randomUUID(), attempts: 5, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: true, removeOnFail: { count: 1000 } },
          };
        });
        await queue.addBulk(jobs);
      }
    };
    await receiver.reset();
    await add(opts.warmup);
    await Promise.race([receiver.waitFor(opts.warmup, 120_000), exited]);
    await receiver.reset();
    const groups = { "plain-queue worker": [child.pid as number], receiver: [receiver.pid] };
    const before = cpuSnapshot(groups, { redisUrl: redisUrl() });
    const workerCpuBefore = cpuMsOf(child.pid as number) ?? 0;
    const startAt = nowMs();
    await add(opts.count);
    const lastAt = await Promise.race([receiver.waitFor(opts.count, 600_000), exited]);
    const cpu = perDelivery(before, cpuSnapshot(groups, { redisUrl: redisUrl() }), opts.count);
    const workerCpuMs = (cpuMsOf(child.pid as number) ?? 0) - workerCpuBefore;
    const { count } = await receiver.stats();
    if (count !== opts.count) throw new Error(`plain queue: receiver counted ${count} of ${opts.count}`);
    child.send({ type: "stop" } satisfies PlainQueueCommand);
    const done = await next();
    if (done.type !== "stopped") throw new Error("plain-queue worker: expected stopped");
    if (done.failures > 0) throw new Error(`plain queue: ${done.failures} requests failed`);
    const seconds = (lastAt - startAt) / 1000;
    return { deliveries: opts.count, seconds, perSecond: opts.count / seconds, cpuUsPerDelivery: (workerCpuMs * 1000) / opts.count, cpu };
  } finally {
    await stop();
  }
}
