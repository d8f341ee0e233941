// The worker's health endpoints on WORKER_HTTP_PORT: /healthz alive, /readyz ready while its pg
// pool and Redis answer, 503 naming the one that does not. "Stopped" services are simulated by
// worker instances whose config points at a closed port or a missing database (the shared
// PostgreSQL and Redis keep running). The built worker serves them as a process too, before its
// BullMQ workers start, so probes answer even while Redis is unreachable (dist/: the test task
// depends on the build).
import { databaseUrl } from "@msr-webhooks/testing/database";
import type { RunningOpsServer } from "@msr-webhooks/observability/ops-server";
import { loadConfig } from "../src/config.js";
import { buildDeps, type WorkerDeps } from "../src/deps.js";
import { startOpsHttp } from "../src/ops-server.js";
import { createHarness, exited, silentLogger, type Harness } from "./support/harness.js";
import { freePort } from "@msr-webhooks/testing/free-port";
import { waitUntil } from "./support/wait.js";

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ WORKER_HTTP_HOST: "127.0.0.1", WORKER_HTTP_PORT: "0", READINESS_TIMEOUT_MS: "1000" });
});

afterAll(async () => {
  await h.close();
});

interface Instance {
  deps: WorkerDeps;
  ops: RunningOpsServer;
  url: string;
}

describe("in process", () => {
  const instances: Instance[] = [];

  /** Deps and the ops server only: no BullMQ workers, which would wait for an unreachable Redis. */
  async function instance(env: Record<string, string> = {}): Promise<Instance> {
    const deps = buildDeps(loadConfig({ ...h.env, ...env }), { log: silentLogger() });
    const ops = await startOpsHttp(deps);
    const made = { deps, ops, url: `http://127.0.0.1:${ops.port}` };
    instances.push(made);
    return made;
  }

  /** /readyz once the named dependency has connected (a fresh client connects in the background). */
  async function readyz(i: Instance, connected: "redis" | "postgres"): Promise<{ status: number; body: Record<string, unknown> }> {
    return waitUntil(async () => {
      const res = await fetch(`${i.url}/readyz`);
      const body = (await res.json()) as { checks: Record<string, { ok: boolean }> } & Record<string, unknown>;
      return body.checks[connected]?.ok ? { status: res.status, body } : null;
    }, { what: `${connected} to connect` });
  }

  afterAll(async () => {
    for (const i of instances) {
      await i.ops.close();
      await i.deps.close();
    }
  });

  it("answers /healthz 200 and /readyz 200 with both checks when PostgreSQL and Redis answer", async () => {
    const i = await instance();
    const health = await fetch(`${i.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const { status, body } = await readyz(i, "redis");
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", failed: [], checks: { postgres: { ok: true }, redis: { ok: true } } });
  });

  it("answers /readyz 503 naming redis when Redis is unreachable, at once; /healthz stays 200", async () => {
    const i = await instance({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const { status, body } = await readyz(i, "postgres");
    expect(status).toBe(503);
    // "At once": the check reads the connection's state instead of waiting for a PING to time out.
    expect(body).toMatchObject({ status: "unavailable", failed: ["redis"], checks: { redis: { ok: false, error: expect.stringMatching(/^redis connection is /) } } });
    expect((await fetch(`${i.url}/healthz`)).status).toBe(200);
    // The metrics still answer, without queue depths it cannot read.
    const metrics = await (await fetch(`${i.url}/metrics`)).text();
    expect(metrics).toContain("# TYPE msrwh_queue_jobs gauge");
    expect(metrics).not.toMatch(/^msrwh_queue_jobs\{/m);
  });

  it("answers /readyz 503 naming postgres for a closed port and for a missing database", async () => {
    const closed = new URL(h.env.DATABASE_URL!);
    closed.port = String(await freePort());
    const refused = await readyz(await instance({ DATABASE_URL: closed.toString() }), "redis");
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ failed: ["postgres"], checks: { postgres: { ok: false, error: expect.stringMatching(/ECONNREFUSED/) } } });

    const missing = await readyz(await instance({ DATABASE_URL: databaseUrl("msrwh_no_such_database") }), "redis");
    expect(missing.status).toBe(503);
    expect(missing.body).toMatchObject({ failed: ["postgres"], checks: { postgres: { error: expect.stringMatching(/does not exist/) } } });
  });

  it("puts /metrics behind METRICS_TOKEN when it is set", async () => {
    const token = "worker-metrics-token-0123";
    const i = await instance({ METRICS_TOKEN: token });
    const refused = await fetch(`${i.url}/metrics`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ errors: [{ code: "NOT_AUTHENTICATED" }] });
    expect((await fetch(`${i.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${i.url}/healthz`)).status).toBe(200);
  });
});

describe("as a process (node dist/index.js)", () => {
  it("serves /healthz, /readyz and /metrics on WORKER_HTTP_PORT, and stops on SIGTERM", async () => {
    const port = await freePort();
    const child = h.spawnWorker({ WORKER_HTTP_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    const ready = await waitUntil(
      async () => {
        const res = await fetch(`${base}/readyz`).catch(() => null);
        return res?.status === 200 ? res : null;
      },
      { what: "the worker's /readyz to answer 200", intervalMs: 100 },
    );
    expect(await ready.json()).toMatchObject({ status: "ok" });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^msrwh_open_circuits\{service="worker"\} 0$/m);
    child.kill("SIGTERM");
    expect((await exited(child)).code).toBe(0);
  });

  it("answers its probes while Redis is unreachable: alive, not ready", async () => {
    const port = await freePort();
    const child = h.spawnWorker({ WORKER_HTTP_PORT: String(port), REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const base = `http://127.0.0.1:${port}`;
    const res = await waitUntil(() => fetch(`${base}/readyz`).catch(() => null), { what: "the worker's /readyz to answer", intervalMs: 100 });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ failed: ["redis"] });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(child.exitCode).toBeNull();
    child.kill("SIGKILL");
    await exited(child);
  });
});
