// One owner's burst to one loopback receiver (the isolation tests of parking at an owner's share):
// a webhook by alice, `workers` in-process workers, `events` published at once, and the counts once
// every delivery succeeded.
import type { Receiver } from "@msr-webhooks/testing/receiver";
import type { Harness } from "./harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./seed.js";
import { waitUntil } from "./wait.js";

/** Alice's webhook and the workers; returns a function that publishes a burst and waits until every delivery so far succeeded. */
export async function startOneOwner(h: Harness, receiver: Receiver, opts: { workers: number }): Promise<(events: number) => Promise<void>> {
  const alice = await createUser(h.db, "alice");
  await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
  await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: receiver.url, author: alice });
  for (let i = 0; i < opts.workers; i += 1) await h.startWorker();
  let published = 0;
  return async (events) => {
    const first = published;
    published += events;
    // All at once: the fan-out finds the owner at its cap.
    await Promise.all(Array.from({ length: events }, (_, i) => h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${first + i}`) })));
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === published, {
      what: () => `all ${published} deliveries succeeded (${receiver.requests.length} received)`,
    });
  };
}

export async function deliverOneOwnerBurst(h: Harness, receiver: Receiver, opts: { events: number; workers: number }): Promise<{ attempts: number; received: number }> {
  const burst = await startOneOwner(h, receiver, opts);
  await burst(opts.events);
  return { attempts: await h.db.deliveryAttempt.count(), received: receiver.requests.length };
}
