// One owner's burst to one loopback receiver (the isolation tests of parking at an owner's share):
// a webhook by alice, `workers` in-process workers, `events` published at once, and the counts once
// every delivery succeeded.
import type { Receiver } from "@msr-webhooks/testing/receiver";
import type { Harness } from "./harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./seed.js";
import { waitUntil } from "./wait.js";

export async function deliverOneOwnerBurst(h: Harness, receiver: Receiver, opts: { events: number; workers: number }): Promise<{ attempts: number; received: number }> {
  const alice = await createUser(h.db, "alice");
  await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
  await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: receiver.url, author: alice });
  for (let i = 0; i < opts.workers; i += 1) await h.startWorker();
  // All at once: the fan-out finds the owner at its cap.
  await Promise.all(Array.from({ length: opts.events }, (_, i) => h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) })));
  await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === opts.events, {
    what: () => `all ${opts.events} deliveries succeeded (${receiver.requests.length} received)`,
  });
  return { attempts: await h.db.deliveryAttempt.count(), received: receiver.requests.length };
}
