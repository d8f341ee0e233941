// Standard Webhooks signing as a receiver sees it: the public `standardwebhooks` package verifies
// every delivery, during a rotation with either secret, and webhook-id is stable across retries.
import { Webhook } from "standardwebhooks";
import { generateSecret } from "@msr-webhooks/events/signing";
import type { ReceivedRequest } from "@msr-webhooks/testing/receiver";
import { useHarnessWithReceiver } from "./support/harness-with-receiver.js";
import { createWebhook, ownerOfFooBar, tagPushContents, type AccountRef } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

let alice: AccountRef;

function headersOf(req: ReceivedRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") out[k] = v;
  return out;
}

function verifies(secret: string, req: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(req.body, headersOf(req));
    return true;
  } catch {
    return false;
  }
}

// The first request to /flaky fails, so one delivery is seen twice.
let flaky = 0;
const t = useHarnessWithReceiver({
  receiver: {
    handler: (req) => (req.path === "/flaky" && ++flaky === 1 ? { status: 500 } : { status: 200 }),
  },
});

beforeAll(async () => {
  alice = await ownerOfFooBar(t.h.db, "alice");
  await t.h.startWorker();
});

it("signs every delivery so that standardwebhooks verifies it, with old and new secret during a rotation", async () => {
  const current = generateSecret();
  const previous = generateSecret();
  const expired = generateSecret();
  await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${t.receiver.url}/plain`, author: alice, signingSecret: current });
  await createWebhook(t.h.db, {
    type: "TAG_PUSH",
    key: "foo/bar",
    endpoint: `${t.receiver.url}/rotating`,
    author: alice,
    signingSecret: current,
    previousSecret: previous,
    previousSecretUntil: new Date(Date.now() + 3_600_000),
  });
  await createWebhook(t.h.db, {
    type: "TAG_PUSH",
    key: "foo/bar",
    endpoint: `${t.receiver.url}/rotated`,
    author: alice,
    signingSecret: current,
    previousSecret: expired,
    previousSecretUntil: new Date(Date.now() - 1000),
  });
  const flaky = await createWebhook(t.h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${t.receiver.url}/flaky`, author: alice, signingSecret: current });

  await t.h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar") });
  await t.receiver.waitFor(5);
  await waitUntil(async () => (await t.h.db.delivery.count({ where: { status: "succeeded" } })) === 4, { what: "the four deliveries to succeed" });

  const byPath = (p: string) => t.receiver.requests.filter((r) => r.path === p);
  for (const req of t.receiver.requests) expect(verifies(current, req)).toBe(true);

  const [rotatingReq] = byPath("/rotating");
  expect(rotatingReq!.headers["webhook-signature"]!.toString().split(" ")).toHaveLength(2);
  expect(verifies(previous, rotatingReq!)).toBe(true);

  const [rotatedReq] = byPath("/rotated");
  expect(rotatedReq!.headers["webhook-signature"]!.toString().split(" ")).toHaveLength(1);
  expect(verifies(expired, rotatedReq!)).toBe(false);
  expect(verifies(generateSecret(), byPath("/plain")[0]!)).toBe(false);

  // webhook-id is the delivery id, the same on the retry; the timestamp is each attempt's own start.
  const flakyReqs = byPath("/flaky");
  expect(flakyReqs).toHaveLength(2);
  const delivery = await t.h.db.delivery.findFirstOrThrow({ where: { webhookId: flaky.id }, include: { attempts: { orderBy: { number: "asc" } } } });
  expect(flakyReqs.map((r) => r.headers["webhook-id"])).toEqual([delivery.id, delivery.id]);
  expect(flakyReqs.map((r) => Number(r.headers["webhook-timestamp"]))).toEqual(
    delivery.attempts.map((a) => Math.floor(a.startedAt.getTime() / 1000)),
  );
});
