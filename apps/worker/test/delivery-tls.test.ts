// HTTPS endpoints: a private CA given as tlsCert is trusted for its endpoint; without it the TLS
// failure is recorded as such and nothing reaches the receiver; skipTLSVerification gets through.
// And the outbound address policy: a refused address is a recorded failure of kind "blocked".
import { getTestPki } from "@msr-webhooks/testing/tls";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, ownerOfFooBar, tagPushContents, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let tlsReceiver: Receiver;
let alice: AccountRef;

beforeAll(async () => {
  h = await createHarness();
  const pki = getTestPki();
  tlsReceiver = await startReceiver({ tls: { cert: pki.cert, key: pki.key } });
  alice = await ownerOfFooBar(h.db, "alice");
  await h.startWorker();
});

afterAll(async () => {
  await tlsReceiver.close();
  await h.close();
});

async function deliveryFor(harness: Harness, webhookId: string, status: string) {
  return waitUntil(
    () => harness.db.delivery.findFirst({ where: { webhookId, status }, include: { attempts: { orderBy: { number: "asc" } } } }),
    { what: `a ${status} delivery for ${webhookId}` },
  );
}

describe("HTTPS endpoints", () => {
  it("trusts the endpoint's tlsCert (a private CA) and delivers", async () => {
    const w = await createWebhook(h.db, {
      type: "TAG_PUSH",
      key: "foo/bar",
      endpoint: `${tlsReceiver.url}/trusted`,
      author: alice,
      tlsCert: getTestPki().caCert,
    });
    const unverified = await createWebhook(h.db, {
      type: "TAG_PUSH",
      key: "foo/bar",
      endpoint: `${tlsReceiver.url}/untrusted`,
      author: alice,
    });
    const skipping = await createWebhook(h.db, {
      type: "TAG_PUSH",
      key: "foo/bar",
      endpoint: `${tlsReceiver.url}/skipping`,
      author: alice,
      skipTLSVerification: true,
    });
    await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });

    const ok = await deliveryFor(h, w.id, "succeeded");
    expect(ok.attempts).toHaveLength(1);
    expect(ok.attempts[0]).toMatchObject({ statusCode: 200, errorKind: null });

    const skipped = await deliveryFor(h, skipping.id, "succeeded");
    expect(skipped.attempts).toHaveLength(1);

    // Without the CA the handshake fails: recorded as a TLS error on every attempt, never received.
    const failed = await deliveryFor(h, unverified.id, "failed");
    expect(failed.attempts).toHaveLength(3);
    for (const attempt of failed.attempts) {
      expect(attempt.errorKind).toBe("tls");
      expect(attempt.statusCode).toBeNull();
      expect(attempt.errorMessage).toMatch(/certificate|self.signed|issuer/i);
    }
    expect(failed.reason).toMatch(/^gave up after 3 attempts: tls: /);
    expect(tlsReceiver.requests.map((r) => r.path).sort()).toEqual(["/skipping", "/trusted"]);
  });
});

describe("outbound address policy", () => {
  let strict: Harness;
  let plain: Receiver;
  let bob: AccountRef;

  beforeAll(async () => {
    strict = await createHarness({ OUTBOUND_ALLOW_CIDRS: "", RETRY_SCHEDULE: "50ms" });
    plain = await startReceiver();
    bob = await ownerOfFooBar(strict.db, "bob");
    await strict.startWorker();
  });

  afterAll(async () => {
    await plain.close();
    await strict.close();
  });

  it("records a refused loopback address as a 'blocked' failure, never a silent drop", async () => {
    const w = await createWebhook(strict.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${plain.url}/hook`, author: bob });
    await strict.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
    const failed = await deliveryFor(strict, w.id, "failed");
    expect(failed.attempts).toHaveLength(2);
    for (const attempt of failed.attempts) {
      expect(attempt.errorKind).toBe("blocked");
      expect(attempt.errorMessage).toContain("127.0.0.1");
    }
    expect(plain.requests).toHaveLength(0);
  });
});
