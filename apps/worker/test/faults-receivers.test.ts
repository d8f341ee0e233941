// Hostile receivers: one that resets the connection, one that answers 200 (and one 500) with a 10 MB
// body, one that trickles its answer past the attempt's timeout. Each attempt is recorded with the
// right outcome (connection_reset; success or http failure with the body cut at 16 KiB; timeout), and
// the worker's memory stays flat over many such attempts.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createHarness, type Harness } from "./support/harness.js";
import { createOrg, createRepo, createUser, createWebhook, tagPushContents } from "./support/seed.js";
import { sleep, waitUntil } from "./support/wait.js";

const TIMEOUT_MS = 800;
const ROUNDS = 12;
const TEN_MB = 10 * 1024 * 1024;

interface Hostile {
  url: string;
  hits: number;
  close(): Promise<void>;
}

async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Hostile> {
  const sockets = new Set<Socket>();
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits += 1;
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
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const CHUNK = Buffer.alloc(64 * 1024, "x");

/** Streams 10 MB with backpressure; stops when the client goes away. */
function bigBody(status: number) {
  return (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": String(TEN_MB) });
    let sent = 0;
    const pump = (): void => {
      while (sent < TEN_MB) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.once("close", () => res.removeAllListeners("drain"));
    pump();
  };
}

let h: Harness;
const servers: Record<string, Hostile> = {};

beforeAll(async () => {
  h = await createHarness({ DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS), RETRY_SCHEDULE: "50ms,50ms", DELIVERY_CONCURRENCY: "50" });
  servers.reset = await serve((req) => req.socket.resetAndDestroy());
  servers.big200 = await serve(bigBody(200));
  servers.big500 = await serve(bigBody(500));
  servers.trickle = await serve((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    const timer = setInterval(() => res.write("."), 100);
    res.once("close", () => clearInterval(timer));
  });
}, 60_000);

afterAll(async () => {
  await h.close();
  for (const s of Object.values(servers)) await s.close();
});

async function attemptsOf(webhookId: string) {
  return h.db.deliveryAttempt.findMany({ where: { delivery: { webhookId } }, orderBy: { startedAt: "asc" } });
}

it("records each hostile answer as what it is, and keeps the worker's memory flat", async () => {
  const alice = await createUser(h.db, "alice");
  const foo = await createOrg(h.db, "foo", [alice]);
  await createRepo(h.db, foo, "bar");
  const hooks: Record<string, string> = {};
  for (const [name, s] of Object.entries(servers)) {
    hooks[name] = (await createWebhook(h.db, { type: "TAG_PUSH", key: "foo/bar", endpoint: `${s.url}/${name}`, author: alice })).id;
  }
  await h.startWorker();
  const settled = (events: number) =>
    waitUntil(
      async () => (await h.db.delivery.count({ where: { status: { in: ["succeeded", "failed"] } } })) === events * Object.keys(hooks).length,
      { timeoutMs: 60_000, intervalMs: 100, what: `${events} events' deliveries to settle` },
    );

  // One round first, so that lazily built things (pools, caches, JIT) are in place before measuring.
  await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", "warm") });
  await settled(1);
  await sleep(200);
  const before = process.memoryUsage();

  for (let i = 0; i < ROUNDS; i += 1) await h.publish({ type: "TAG_PUSH", contents: tagPushContents("foo", "bar", `t${i}`) });
  await settled(ROUNDS + 1);
  await sleep(200);
  const after = process.memoryUsage();

  const reset = await attemptsOf(hooks.reset!);
  expect(reset).toHaveLength(3 * (ROUNDS + 1));
  for (const a of reset) expect([a.errorKind, a.statusCode]).toEqual(["connection_reset", null]);

  const big200 = await attemptsOf(hooks.big200!);
  expect(big200).toHaveLength(ROUNDS + 1);
  for (const a of big200) {
    expect([a.errorKind, a.statusCode]).toEqual([null, 200]);
    expect(a.responseBody).toHaveLength(16 * 1024);
    expect(a.durationMs).toBeLessThan(TIMEOUT_MS);
  }
  const big500 = await attemptsOf(hooks.big500!);
  expect(big500).toHaveLength(3 * (ROUNDS + 1));
  for (const a of big500) {
    expect([a.errorKind, a.statusCode]).toEqual(["http", 500]);
    expect(a.responseBody).toHaveLength(16 * 1024);
  }

  const trickle = await attemptsOf(hooks.trickle!);
  expect(trickle).toHaveLength(3 * (ROUNDS + 1));
  for (const a of trickle) {
    expect(a.errorKind).toBe("timeout");
    expect(a.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(a.durationMs).toBeLessThan(TIMEOUT_MS + 1000);
  }
  expect(await h.db.delivery.count({ where: { webhookId: hooks.big200!, status: "succeeded" } })).toBe(ROUNDS + 1);

  // Over 100 hostile attempts, 70 of them offering 10 MB: were bodies buffered, this would grow by GBs.
  const grownMb = (after.rss - before.rss) / 1024 / 1024;
  const heapMb = (after.heapUsed - before.heapUsed) / 1024 / 1024;
  process.stdout.write(`faults-receivers: rss +${grownMb.toFixed(1)} MB, heap +${heapMb.toFixed(1)} MB\n`);
  expect(grownMb).toBeLessThan(150);
  expect(heapMb).toBeLessThan(100);
}, 120_000);
