// The worker's log lines about a delivery carry its deliveryId (with the webhook and the attempt
// number), so one grep follows a delivery through retries, failure and the webhook's disabling.
import winston from "winston";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents, type AccountRef } from "./support/seed.js";
import { scriptedReplies } from "./support/scripted-replies.js";
import { waitUntil } from "./support/wait.js";

let h: Harness;
let receiver: Receiver;
let alice: AccountRef;
const lines: Record<string, unknown>[] = [];
const { replies, handler } = scriptedReplies({ status: 204 });

/** A debug-level logger that keeps every line, as the Console transport would print it. */
function capturingLogger(): winston.Logger {
  return winston.createLogger({
    level: "debug",
    defaultMeta: { service: "worker" },
    transports: [
      new (class extends winston.transports.Stream {
        constructor() {
          super({ stream: process.stdout, level: "debug" });
        }
        override log(info: Record<string, unknown>, next: () => void): void {
          lines.push(info);
          next();
        }
      })(),
    ],
  });
}

beforeAll(async () => {
  h = await createHarness();
  receiver = await startReceiver({
    handler,
  });
  alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  for (const repo of ["flaky", "gone"]) await createRepo(h.db, foo, repo);
  await h.startWorker({}, { log: capturingLogger() });
});

afterAll(async () => {
  await receiver.close();
  await h.close();
});

async function deliveryOf(webhookId: string, status: string): Promise<string> {
  const d = await waitUntil(() => h.db.delivery.findFirst({ where: { webhookId, status } }), { what: `a ${status} delivery` });
  return d.id;
}

it("tags the retry, the success and the failure lines of a delivery with its id", async () => {
  replies.set("/flaky", (n) => (n === 1 ? { status: 500 } : { status: 204 }));
  replies.set("/gone", () => ({ status: 410 }));
  const flaky = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/flaky", endpoint: `${receiver.url}/flaky`, author: alice });
  const gone = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/gone", endpoint: `${receiver.url}/gone`, author: alice });
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "flaky") });
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "gone") });
  const flakyId = await deliveryOf(flaky.id, "succeeded");
  const goneId = await deliveryOf(gone.id, "failed");

  const about = (deliveryId: string) => lines.filter((l) => l["deliveryId"] === deliveryId).map((l) => l["message"]);
  await waitUntil(() => about(flakyId).includes("delivered"), { what: "the delivered line" });
  expect(about(flakyId)).toEqual(["delivery attempt failed; will retry", "delivered"]);
  expect(lines.find((l) => l["deliveryId"] === flakyId && l["message"] === "delivery attempt failed; will retry")).toMatchObject({
    webhookId: flaky.id,
    attempt: 1,
    statusCode: 500,
    service: "worker",
  });
  await waitUntil(() => about(goneId).includes("delivery failed"), { what: "the failed line" });
  expect(about(goneId)).toEqual(expect.arrayContaining(["subscription disabled", "delivery failed"]));
  expect(lines.find((l) => l["message"] === "subscription disabled")).toMatchObject({ deliveryId: goneId, webhookId: gone.id });
});
