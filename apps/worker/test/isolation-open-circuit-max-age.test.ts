// An endpoint that stays down (OPEN_CIRCUIT_MAX_AGE, src/attempts/delivery.processor.ts). Attempts
// refused by its open circuit are deferred without being spent, so until this setting every
// delivery made for it stayed open, with its row and its job in Redis, until AUTO_DISABLE_AFTER
// (5 days). The soak bench saw the dead endpoint's backlog grow by 52 deliveries a minute, the
// only thing in Redis that grew. Now a delivery the circuit still refuses at that age ends failed,
// with the attempts it made, and no request is spent on it.
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const EVENTS = 12;

describe("a delivery an open circuit still refuses at OPEN_CIRCUIT_MAX_AGE", () => {
  const world = useHarnessWithReceiver({
    env: {
      // Two failures in a row open the circuit, and it stays open past the end of the test.
      BREAKER_CONSECUTIVE_FAILURES: "2",
      BREAKER_OPEN: "1h",
      OPEN_CIRCUIT_MAX_AGE: "2s",
      RETRY_SCHEDULE: "100ms,100ms,100ms,100ms",
      // Parked attempts come back on their own within a second.
      PARKED_MAX_WAIT: "1s",
      DELIVERY_CONCURRENCY: "1",
    }, receiver: { handler: () => ({ status: 500 }) },
  });

  it("ends failed, with the attempts it made and a reason naming the setting, and spends no request", async () => {
    const { h, receiver } = world;
    const alice = await createUser(h.db, "alice");
    await createRepo(h.db, await createOrg(h.db, "foo", [alice]), "app");
    await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/app", endpoint: receiver.url, author: alice });
    await h.startWorker();
    for (let i = 0; i < EVENTS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "app", `t${i}`) });

    // All but one: the circuit keeps one delivery back for its probe at the reopening (BREAKER_OPEN,
    // an hour here), which is an attempt like any other when it comes.
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "failed" } })) === EVENTS - 1, {
      what: `${EVENTS - 1} deliveries failed`,
    });
    const deliveries = await h.db.delivery.findMany({ select: { status: true, attemptCount: true, reason: true, nextAttemptAt: true } });
    const attempts = await h.db.deliveryAttempt.count();
    // The circuit opened after two failed attempts; the rest never reached the endpoint.
    expect({ attempts, requests: receiver.requests.length }).toEqual({ attempts: 2, requests: 2 });
    const failed = deliveries.filter((d) => d.status === "failed");
    // None made all five of its attempts: each ended by the rule, whatever it had made.
    expect(failed.filter((d) => !/circuit was still open .*OPEN_CIRCUIT_MAX_AGE/.test(d.reason ?? ""))).toEqual([]);
    const [probe, ...others] = deliveries.filter((d) => d.status !== "failed");
    expect(others).toEqual([]);
    expect(probe?.status).toBe("pending");
    expect(probe?.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
  });
});
