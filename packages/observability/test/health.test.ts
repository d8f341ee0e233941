// Readiness against the real services: a reachable PostgreSQL and Redis are ready; a closed port,
// a missing database and a probe that hangs are reported by name, the hung one by the timeout.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import pg from "pg";
import { Redis } from "ioredis";
import { adminUrl, databaseUrl } from "@msr-webhooks/testing/database";
import { freePort as closedPort } from "@msr-webhooks/testing/free-port";
import { redisUrl } from "@msr-webhooks/testing/redis";
import {
  checkReadiness,
  conciseDbError,
  LIVE_BODY,
  postgresProbe,
  readinessStatus,
  redisProbe,
  withTimeout,
  ProbeTimeoutError,
  type RawQuery,
} from "../src/health.js";

// The probe timeout where the timeout is not what a test is about: no working or refusing
// dependency comes near it, and a probe that waited instead of answering from its connection's
// state would report "no answer within" it rather than the state.
const PATIENT_MS = 60_000;

function sqlRunner(pool: pg.Pool): RawQuery {
  return async (query) => (await pool.query(query)).rows;
}

describe("readiness probes", () => {
  const pools: pg.Pool[] = [];
  const clients: Redis[] = [];
  const servers: Server[] = [];
  const sockets: Socket[] = [];

  /** A TCP server that accepts connections and never answers. */
  async function mute(): Promise<number> {
    const server = createServer((socket) => sockets.push(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as AddressInfo).port;
  }

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const s of sockets) s.destroy();
    await Promise.all(pools.map((p) => p.end()));
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  function pool(url: string): pg.Pool {
    const p = new pg.Pool({ connectionString: url, max: 1 });
    p.on("error", () => undefined);
    pools.push(p);
    return p;
  }

  function redis(url: string): Redis {
    // A short disconnectTimeout: ioredis arms it even for a stream that is already closed.
    const r = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 200, disconnectTimeout: 50 });
    r.on("error", () => undefined);
    clients.push(r);
    return r;
  }

  it("is ready when PostgreSQL and Redis answer", async () => {
    const r = redis(redisUrl());
    await new Promise((resolve) => r.once("ready", resolve));
    const readiness = await checkReadiness({ postgres: postgresProbe(sqlRunner(pool(adminUrl()))), redis: redisProbe(r) }, PATIENT_MS);
    expect(readiness).toMatchObject({ status: "ok", failed: [], checks: { postgres: { ok: true }, redis: { ok: true } } });
    expect(readinessStatus(readiness)).toBe(200);
  });

  it("names Redis when its port is closed, from the connection's state rather than by waiting", async () => {
    const r = redis(`redis://127.0.0.1:${await closedPort()}`);
    const readiness = await checkReadiness({ postgres: postgresProbe(sqlRunner(pool(adminUrl()))), redis: redisProbe(r) }, PATIENT_MS);
    expect(readiness.status).toBe("unavailable");
    expect(readiness.failed).toEqual(["redis"]);
    expect(readiness.checks.redis?.error).toMatch(/redis connection is (connecting|reconnecting|connect|wait)/);
    expect(readinessStatus(readiness)).toBe(503);
  });

  it("names PostgreSQL when its port is closed or its database is missing", async () => {
    const closed = new URL(adminUrl());
    closed.port = String(await closedPort());
    const refused = await checkReadiness({ postgres: postgresProbe(sqlRunner(pool(closed.toString()))) }, PATIENT_MS);
    expect(refused.failed).toEqual(["postgres"]);
    expect(refused.checks.postgres?.error).toMatch(/ECONNREFUSED/);

    const missing = await checkReadiness({ postgres: postgresProbe(sqlRunner(pool(databaseUrl("msrwh_no_such_db")))) }, PATIENT_MS);
    expect(missing.failed).toEqual(["postgres"]);
    expect(missing.checks.postgres?.error).toMatch(/does not exist/);
  });

  it("counts a dependency that never answers as down after the timeout", async () => {
    // Accepts connections and never says a word: a hung PostgreSQL (the pg client waits for its
    // startup answer for ever).
    const hung = new URL(adminUrl());
    hung.port = String(await mute());
    // It resolving at all is the timeout at work: the hung probe alone would never settle.
    const readiness = await checkReadiness(
      { postgres: postgresProbe(sqlRunner(pool(hung.toString()))), other: async () => "fine" },
      150,
    );
    expect(readiness.failed).toEqual(["postgres"]);
    expect(readiness.checks.postgres?.error).toBe("postgres: no answer within 150 ms");
    expect(readiness.checks.other).toMatchObject({ ok: true });
  });

  it("does not wait on a Redis connection that is still handshaking", async () => {
    // ioredis sends HELLO first and waits for it: the client never becomes ready, so the probe
    // answers from its state at once instead of queueing a PING.
    const r = redis(`redis://127.0.0.1:${await mute()}`);
    await new Promise((resolve) => r.once("connect", resolve));
    // Had the probe sent the PING, it would wait for the timeout and report that instead of the state.
    const readiness = await checkReadiness({ redis: redisProbe(r) }, PATIENT_MS);
    expect(readiness.checks.redis).toMatchObject({ ok: false, error: "redis connection is connect" });
  });

  it("reports a probe that throws synchronously or answers oddly", async () => {
    const readiness = await checkReadiness(
      {
        broken: () => {
          throw new Error("first line\nsecond line");
        },
        odd: redisProbe({ status: "ready", ping: async () => "NOPE" }),
      },
      500,
    );
    expect(readiness.checks.broken).toMatchObject({ ok: false, error: "first line" });
    expect(readiness.checks.odd).toMatchObject({ ok: false, error: "redis answered NOPE to PING" });
  });

  it("keeps the driver's words of a Prisma-style error", () => {
    const prisma = new Error("\nInvalid `t=Object.create()` invocation in\n/x/client.js:27:2556\n\n  24 code...\nRaw query failed. Code: `3D000`. Message: `database \"x\" does not exist`");
    expect(conciseDbError(prisma)).toBe('database "x" does not exist');
    expect(conciseDbError(new Error("connect ECONNREFUSED 127.0.0.1:1"))).toBe("connect ECONNREFUSED 127.0.0.1:1");
    expect(conciseDbError("plain")).toBe("plain");
  });

  it("withTimeout passes a quick answer through and rejects a slow one", async () => {
    await expect(withTimeout(Promise.resolve(7), 50, "quick")).resolves.toBe(7);
    await expect(withTimeout(new Promise(() => undefined), 20, "slow")).rejects.toBeInstanceOf(ProbeTimeoutError);
    expect(LIVE_BODY).toEqual({ status: "ok" });
  });
});
