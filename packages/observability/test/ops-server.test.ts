// The plain node:http ops server (the worker's): real HTTP on loopback. /healthz is 200; /readyz
// is 200 or 503 with the readiness body; /metrics serves Prometheus text, behind a bearer token
// when one is set; anything else answers in MSR's error format; a failing handler is a 500.
import { createServer } from "node:net";
import type { Readiness } from "../src/health.js";
import { createMetrics } from "../src/metrics.js";
import { startOpsServer, type RunningOpsServer } from "../src/ops-server.js";

const ready: Readiness = { status: "ok", failed: [], checks: { postgres: { ok: true, durationMs: 1 } } };
const down: Readiness = {
  status: "unavailable",
  failed: ["redis"],
  checks: { postgres: { ok: true, durationMs: 1 }, redis: { ok: false, durationMs: 0, error: "redis connection is reconnecting" } },
};

describe("the ops server", () => {
  const servers: RunningOpsServer[] = [];
  let state: Readiness = ready;
  const errors: unknown[] = [];

  async function start(extra: { metricsToken?: string; failing?: boolean } = {}): Promise<string> {
    const metrics = createMetrics({ service: "worker", processMetrics: false });
    metrics.deliveries.inc({ outcome: "succeeded", type: "TAG_PUSH" });
    const running = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      readiness: async () => {
        if (extra.failing) throw new Error("boom");
        return state;
      },
      metrics,
      metricsToken: extra.metricsToken,
      onError: (err) => errors.push(err),
    });
    servers.push(running);
    return `http://127.0.0.1:${running.port}`;
  }

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it("answers /healthz 200 {status:ok}", async () => {
    const base = await start();
    const res = await fetch(`${base}/healthz`, { headers: { Accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok" });
    const head = await fetch(`${base}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("answers /readyz 200 when ready and 503 naming what is down", async () => {
    const base = await start();
    state = ready;
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(ready);
    state = down;
    res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: "unavailable", failed: ["redis"] });
    state = ready;
  });

  it("serves the metrics as Prometheus text", async () => {
    const base = await start();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('msrwh_deliveries_total{outcome="succeeded",type="TAG_PUSH",service="worker"} 1');
  });

  it("wants the bearer token on /metrics when one is set, and only there", async () => {
    const token = "ops-token-0123456789abcdef";
    const base = await start({ metricsToken: token });
    const attempts: Record<string, string>[] = [{}, { Authorization: "Bearer nope-nope-nope-nope" }, { Authorization: `Basic ${token}` }];
    for (const headers of attempts) {
      const res = await fetch(`${base}/metrics`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
      expect(await res.json()).toEqual({ errors: [{ code: "NOT_AUTHENTICATED", message: expect.stringContaining("METRICS_TOKEN") }] });
    }
    expect((await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it("answers unknown paths 404 and other methods 405, in MSR's error format", async () => {
    const base = await start();
    const missing = await fetch(`${base}/api/v0/webhooks`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ errors: [{ code: "NOT_FOUND", message: "no such endpoint: GET /api/v0/webhooks" }] });
    const post = await fetch(`${base}/healthz`, { method: "POST", body: "x" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(await post.json()).toMatchObject({ errors: [{ code: "NOT_ALLOWED" }] });
  });

  it("answers 500 when a handler fails, and reports the error", async () => {
    const base = await start({ failing: true });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ errors: [{ code: "INTERNAL_ERROR", message: "internal error" }] });
    expect(errors.some((e) => e instanceof Error && e.message === "boom")).toBe(true);
  });

  it("refuses to start on a port that is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    await expect(
      startOpsServer({ port, host: "127.0.0.1", readiness: async () => ready, metrics: createMetrics({ service: "w", processMetrics: false }) }),
    ).rejects.toMatchObject({ code: "EADDRINUSE" });
    await new Promise((resolve) => blocker.close(resolve));
  });
});
