// The plain-queue peer's worker, run as its own process with the worker's node flags: a BullMQ
// Worker, one job per delivery, each job posting its body with the delivery package's client (got
// with keep-alive, as the baseline and the worker use). No database, no signing, no endpoint gate:
// what the obvious alternative to our pipeline does for the same delivery.
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { BENCH_USER_AGENT, benchDeliveryClient } from "./bench-client.js";
import { PLAIN_QUEUE_NAME, type PlainQueueCommand, type PlainQueueJobData, type PlainQueueReply } from "./plain-queue-protocol.js";

/** Resolves once the message is handed to the channel, so exiting right after does not drop it. */
function send(message: PlainQueueReply): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) resolve();
    else process.send(message, undefined, undefined, () => resolve());
  });
}

async function run(command: Extract<PlainQueueCommand, { type: "start" }>): Promise<void> {
  const client = benchDeliveryClient();
  let failures = 0;
  const connection = new Redis(command.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<PlainQueueJobData>(
    PLAIN_QUEUE_NAME,
    async (job: Job<PlainQueueJobData>) => {
      const result = await client.send(
        { url: job.data.url, skipTLSVerification: true },
        { body: job.data.body, headers: { "Content-Type": "application/json", "User-Agent": BENCH_USER_AGENT } },
      );
      // A failed send throws, so BullMQ retries it with the job's backoff, as a plain queue would.
      if (!result.ok) {
        failures += 1;
        throw new Error(`delivery failed: ${String(result.statusCode ?? result.errorKind)}`);
      }
    },
    { connection, prefix: command.prefix, concurrency: command.concurrency },
  );
  await worker.waitUntilReady();
  await send({ type: "ready" });
  await new Promise<void>((resolve) => process.once("message", () => resolve()));
  await worker.close();
  client.close();
  connection.disconnect();
  await send({ type: "stopped", failures });
}

process.once("message", (command: PlainQueueCommand) => {
  if (command.type !== "start") return;
  run(command).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`plain-queue worker failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
