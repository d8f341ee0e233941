// Redis memory per queued delivery (issue 17's sizing): Redis keeps only work still to run (a
// finished job is removed at once; the delivery log is PostgreSQL's), so what it needs grows with the
// backlog, not with what is retained. This queues N delivery jobs as fan-out queues them (the
// queue package's options), first as first attempts waiting, then as parked attempts (delayed), and
// reads Redis' used_memory before and after each: bytes per job, and per million.
// Run: pnpm --filter @msr-webhooks/bench redis-backlog --jobs 100000
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { DELIVERY_JOB_NAME, deliveryJobOptions } from "@msr-webhooks/queue/delivery-job";
import { QUEUE_NAMES } from "@msr-webhooks/queue/names";
import { deletePrefix, redisUrl } from "@msr-webhooks/testing/redis";
import { parseArgs } from "./support/args.js";
import { runBench } from "./support/cleanup.js";
import { startReport } from "./support/run-header.js";
import { log, saveResults, table } from "./support/report.js";
import { round } from "./support/stats.js";

/** Jobs per addBulk, as fan-out adds them. */
const CHUNK = 1000;
/** Attempts per delivery (the default schedule's 8 retries plus the first). */
const ATTEMPTS = 9;

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error("INFO memory has no used_memory");
  return Number(match[1]);
}

async function queueJobs(queue: Queue, jobs: number, delayMs: number): Promise<void> {
  for (let i = 0; i < jobs; i += CHUNK) {
    const batch = Array.from({ length: Math.min(CHUNK, jobs - i) }, () => {
      const deliveryId = randomUUID();
      const opts = deliveryJobOptions(deliveryId, ATTEMPTS);
      return { name: DELIVERY_JOB_NAME, data: { deliveryId }, opts: delayMs > 0 ? { ...opts, delay: delayMs } : opts };
    });
    await queue.addBulk(batch);
  }
}

runBench("redis-backlog", async () => {
  const args = parseArgs();
  const jobs = args.number("jobs", 100_000);
  const { machine, command } = startReport("redis-backlog", "Redis memory per queued delivery");
  const results: { lane: string; bytesPerJob: number; mbPerMillion: number }[] = [];
  for (const [lane, delayMs] of [
    ["first attempts waiting", 0],
    ["parked (delayed)", 3_600_000],
  ] as const) {
    const prefix = `msrwh-bench-${randomUUID().slice(0, 10)}`;
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAMES.delivery, { connection: redis, prefix });
    try {
      await queue.waitUntilReady();
      const before = await usedMemory(redis);
      await queueJobs(queue, jobs, delayMs);
      const after = await usedMemory(redis);
      const bytesPerJob = (after - before) / jobs;
      results.push({ lane, bytesPerJob: round(bytesPerJob, 0), mbPerMillion: round((bytesPerJob * 1_000_000) / 1024 / 1024, 0) });
      log(`${lane}: ${jobs} jobs, used_memory ${before} -> ${after}`);
    } finally {
      await queue.close();
      redis.disconnect();
      await deletePrefix(prefix);
    }
  }
  process.stdout.write(`\n${table(["jobs in", "bytes per job", "MiB per million"], results.map((r) => [r.lane, r.bytesPerJob, r.mbPerMillion]))}\n`);
  log(`saved ${saveResults("redis-backlog", machine, command, { jobs, results })}`);
});
