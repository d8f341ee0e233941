// The baseline sender, run as its own process (forked, like the worker a separate node): the
// delivery package's own client (createDeliveryClient, got with keep-alive, the worker's timeouts
// and address policy) posting the bench's envelope, signed per request like a delivery, straight to
// the receiver at a fixed concurrency. No queue, no database: the ceiling of this machine.
import { randomUUID } from "node:crypto";
import { buildRequest } from "@msr-webhooks/delivery/request";
import { buildEnvelope, serializeEnvelope } from "@msr-webhooks/events/envelope";
import { generateSecret } from "@msr-webhooks/events/signing";
import { nowMs } from "./clock.js";
import type { BaselineCommand, BaselineReply } from "./baseline-protocol.js";
import { BENCH_USER_AGENT, benchDeliveryClient } from "./bench-client.js";
import { tagPushEvent } from "./events.js";

function send(message: BaselineReply): void {
  process.send?.(message);
}

async function run(command: Extract<BaselineCommand, { type: "start" }>): Promise<void> {
  const client = benchDeliveryClient();
  const event = tagPushEvent("app-0", nowMs());
  const body = serializeEnvelope(
    buildEnvelope({ type: event.type, createdAt: new Date(), contents: event.contents, location: null }),
  );
  const secrets = [generateSecret()];
  let failures = 0;

  const blast = async (count: number): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        next += 1;
        const request = buildRequest({ deliveryId: randomUUID(), body, secrets, userAgent: BENCH_USER_AGENT });
        // The same spread over the receiver's origins as the subscriptions have.
        const url = `${command.urls[next % command.urls.length] as string}/hook/baseline`;
        const result = await client.send({ url, skipTLSVerification: true }, request);
        if (!result.ok) failures += 1;
      }
    };
    await Promise.all(Array.from({ length: command.concurrency }, lane));
  };

  await blast(command.warmup);
  send({ type: "warm" });
  await new Promise<void>((resolve) => process.once("message", () => resolve()));
  failures = 0;
  const cpuBefore = process.cpuUsage();
  const startAt = nowMs();
  await blast(command.count);
  const endAt = nowMs();
  const cpu = process.cpuUsage(cpuBefore);
  client.close();
  send({ type: "done", startAt, endAt, cpuMs: (cpu.user + cpu.system) / 1000, failures });
}

process.once("message", (command: BaselineCommand) => {
  if (command.type !== "start") return;
  run(command).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`baseline sender failed: ${String(err)}\n`);
      process.exit(1);
    },
  );
});
