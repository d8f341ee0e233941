// Hostile receivers: one that resets the connection, one that answers 200 (and one 500) with a body
// that never ends, one that trickles its answer past the attempt's timeout. Each attempt is recorded
// with the right outcome (connection_reset; success or http failure with the body cut at 16 KiB;
// timeout), and no response is buffered: the worker stops reading an endless body after 16 KiB and
// hangs up (were it reading the whole body, the attempt could only end by its timeout). Through all
// of it the worker keeps going: a calm endpoint subscribed to the same events gets every one of them.
// (The worker's memory under such receivers is measured by bench/src/hostile.ts, not asserted here.)
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { startReceiver, type Receiver } from "@msr-webhooks/testing/receiver";
import { createHarness, type Harness } from "./support/harness.js";
import { createWebhook, ownerOfFooBar, tagPushContents } from "./support/seed.js";
import { waitUntil } from "./support/wait.js";

const TIMEOUT_MS = 800;
const ROUNDS = 4;

interface Hostile {
  url: string;
  hits: number;
  /** Responses the client hung up on before the server had finished sending them. */
  cutOff: number;
  close(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Hostile> {
  const sockets = new Set<Socket>();
  let hits = 0;
  let cutOff = 0;
  const server = http.createServer((req, res) => {
    hits += 1;
    res.once("close", () => {
      if (!res.writableFinished) cutOff += 1;
    });
    req.resume();
    req.once("end", () => handler(req, res));
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get hits() {
      return hits;
    },
    get cutOff() {
      return cutOff;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const CHUNK = Buffer.alloc(64 * 1024, "x");

/** Streams a body that never ends (chunked, with backpressure), until the client goes away. */
function endlessBody(status: number) {
  return (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { "Content-Type": "text/plain" });
    const pump = (): void => {
      while (!res.destroyed) {
        if (!res.write(CHUNK)) {
          res.once("drain", pump);
          return;
        }
      }
    };
    res.once("close", () => res.removeAllListeners("drain"));
    pump();
  };
}

let h: Harness;
let calm: Receiver;
const servers: Record<string, Hostile> = {};

beforeAll(async () => {
  h = await createHarness({ DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS), RETRY_SCHEDULE: "50ms,50ms", DELIVERY_CONCURRENCY: "50" });
  calm = await startReceiver();
  servers.reset = await serve((req) => req.socket.resetAndDestroy());
  servers.big200 = await serve(endlessBody(200));
  servers.big500 = await serve(endlessBody(500));
  servers.trickle = await serve((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    const timer = setInterval(() => res.write("."), 100);
    res.once("close", () => clearInterval(timer));
  });
});

afterAll(async () => {
  await h?.close();
  for (const s of Object.values(servers)) await s.close();
  await calm?.close();
});

async function attemptsOf(webhookId: string) {
  return h.db.deliveryAttempt.findMany({ where: { delivery: { webhookId } }, orderBy: { startedAt: "asc" } });
}

it("records each hostile answer as what it is, reads no more of a response than it keeps, and keeps going", async () => {
  const alice = await ownerOfFooBar(h.db, "alice");
  const hooks: Record<string, string> = {};
  for (const [name, s] of Object.entries(servers)) {
    hooks[name] = (await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${s.url}/${name}`, author: alice })).id;
  }
  const calmHook = await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${calm.url}/calm`, author: alice });
  await h.startWorker();

  for (let i = 0; i < ROUNDS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `t${i}`) });
  const all = ROUNDS * (Object.keys(hooks).length + 1);
  let finished = 0;
  await waitUntil(
    async () => (finished = await h.db.delivery.count({ where: { status: { in: ["succeeded", "failed"] } } })) === all,
    { intervalMs: 100, what: () => `${all} deliveries to settle (${finished} so far)` },
  );

  const reset = await attemptsOf(hooks.reset!);
  expect(reset).toHaveLength(3 * ROUNDS);
  for (const a of reset) expect([a.errorKind, a.statusCode]).toEqual(["connection_reset", null]);

  // An endless body: kept up to 16 KiB, then the worker hung up on it, and the attempt ended without
  // a timeout (a success, for the 200). Reading the whole of it would never have ended.
  const big200 = await attemptsOf(hooks.big200!);
  expect(big200).toHaveLength(ROUNDS);
  for (const a of big200) {
    expect([a.errorKind, a.statusCode]).toEqual([null, 200]);
    expect(a.responseBody).toHaveLength(16 * 1024);
  }
  const big500 = await attemptsOf(hooks.big500!);
  expect(big500).toHaveLength(3 * ROUNDS);
  for (const a of big500) {
    expect([a.errorKind, a.statusCode]).toEqual(["http", 500]);
    expect(a.responseBody).toHaveLength(16 * 1024);
  }
  // The servers saw each of those connections (and the trickles') closed while they were still sending.
  await waitUntil(() => servers.big200!.cutOff + servers.big500!.cutOff + servers.trickle!.cutOff === 7 * ROUNDS, {
    what: "the worker to hang up on every endless answer",
  });
  expect([servers.big200!.hits, servers.big200!.cutOff]).toEqual([ROUNDS, ROUNDS]);
  expect([servers.big500!.hits, servers.big500!.cutOff]).toEqual([3 * ROUNDS, 3 * ROUNDS]);
  expect(await h.db.delivery.count({ where: { webhookId: hooks.big200!, status: "succeeded" } })).toBe(ROUNDS);

  // A trickle that never completes is cut by the attempt's timeout, not left to run.
  const trickle = await attemptsOf(hooks.trickle!);
  expect(trickle).toHaveLength(3 * ROUNDS);
  for (const a of trickle) {
    expect(a.errorKind).toBe("timeout");
    // The recorded duration covers the whole timeout: the timeout ended it, nothing earlier.
    expect(a.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  }
  expect(servers.trickle!.cutOff).toBe(3 * ROUNDS);

  // The worker kept going: the calm endpoint got every event, and a later one too.
  expect(await h.db.delivery.count({ where: { webhookId: calmHook.id, status: "succeeded" } })).toBe(ROUNDS);
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "after") });
  const requests = await calm.waitFor(ROUNDS + 1);
  expect(requests.map((r) => (JSON.parse(r.body) as { contents: { tag: string } }).contents.tag)).toContain("after");
});
