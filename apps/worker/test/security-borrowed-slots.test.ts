// An owner alone on a worker thread may borrow past its share (src/isolation/owner-slots.ts,
// capOf): all of the thread's slots but one share's worth, while its slots free within
// OWNER_HOLD_WAIT. The abuse case: mallory, alone, answers fast until her pace is measured, then
// hangs every request. Her borrowed slots then hang until their timeout, but never more than the
// thread's slots minus one share, and bob, who comes next, is delivered at once from the share left
// free; once he has asked, mallory is held to her own share again.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const SLOTS = 8;
const SHARE = 0.25;
const CAP = SLOTS * SHARE;
const BORROWED = SLOTS - CAP;

/** Answers at once until `hang()`, then holds every request open until close(). */
async function startTurncoat(): Promise<{ url: string; hang(): void; open(): number; maxOpen(): number; close(): Promise<void> }> {
  let hanging = false;
  let open = 0;
  let maxOpen = 0;
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    req.resume();
    if (!hanging) {
      res.end("ok");
      return;
    }
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    held.add(res);
    res.once("close", () => {
      held.delete(res);
      open -= 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hang: () => (hanging = true),
    open: () => open,
    maxOpen: () => maxOpen,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("an owner alone on the thread borrowing past her share, then hanging", () => {
  let h: Harness;
  let mallory: Awaited<ReturnType<typeof startTurncoat>>;
  let bob: Receiver;

  beforeAll(async () => {
    h = await createHarness({
      DELIVERY_CONCURRENCY: String(SLOTS),
      OWNER_MAX_SHARE: String(SHARE),
      ENDPOINT_MAX_IN_FLIGHT: "100",
      // Longer than the test: her held requests end when the test does, never by a timer.
      DELIVERY_TIMEOUT_MS: "60000",
      // A loaded CI machine's pace is tens of milliseconds, and its fan-out of one burst may take
      // hundreds: the pace is believed for up to 2 s (her held attempts then give bob's job its
      // thread slot within 4 s).
      OWNER_HOLD_WAIT: "2s",
    });
    mallory = await startTurncoat();
    bob = await startReceiver();
    const m = await createUser(h.db, "mallory");
    const b = await createUser(h.db, "bob");
    await createRepo(h.db, await createOrg(h.db, "evil", [m]), "app");
    await createRepo(h.db, await createOrg(h.db, "good", [b]), "app");
    await createWebhook(h.db, { type: "TAG_PUSH", key: "evil/app", endpoint: mallory.url, author: m });
    await createWebhook(h.db, { type: "TAG_PUSH", key: "good/app", endpoint: `${bob.url}/hook`, author: b });
    await h.startWorker();
  });

  afterAll(async () => {
    await mallory?.close();
    await h?.close();
    await bob?.close();
  });

  const publish = (namespace: string, tags: string[]): Promise<unknown> =>
    Promise.all(tags.map((tag) => h.publish({ type: "TAG_PUSH", contents: tagPushContents(namespace, "app", tag) })));

  it("hangs at most the thread's slots minus one share, and the next owner is delivered at once", async () => {
    // Fast first, all at once: her slots are busy and their pace is measured.
    await publish("evil", Array.from({ length: 20 }, (_, i) => `fast${i}`));
    await waitUntil(async () => (await h.db.delivery.count({ where: { status: "succeeded" } })) === 20, { what: "mallory's fast deliveries" });

    mallory.hang();
    await publish("evil", Array.from({ length: 20 }, (_, i) => `slow${i}`));
    await waitUntil(() => mallory.open() === BORROWED, { what: () => `mallory holding ${BORROWED} requests (${mallory.open()} open)` });

    await publish("good", ["v1"]);
    await waitUntil(() => bob.requests.length === 1, { what: "bob's delivery" });
    // Delivered while every borrowed slot of hers still hangs, and she never had more.
    expect(mallory.open()).toBe(BORROWED);
    expect(mallory.maxOpen()).toBe(BORROWED);
  });
});
