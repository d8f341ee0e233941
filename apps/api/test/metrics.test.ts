// GET /metrics on the API: Prometheus text, open by default (no credentials, no Accept check) or
// behind METRICS_TOKEN; the shared metric set with service="api"; events received and rejected
// move with POST /api/v0/events; queue depths and the disabled-webhook count are read on scrape.
import request from "supertest";
import { sample, SHARED_METRIC_NAMES } from "@msr-webhooks/testing/metrics-text";
import { testPayload } from "@msr-webhooks/events/test-payloads";
import { createUser } from "./support/fixtures.js";
import { ADMIN, as, basic, createTestContext, type TestContext } from "./support/test-context.js";

let ctx: TestContext;

function tagPushContents(tag: string): Record<string, unknown> {
  return { ...testPayload("TAG_PUSH", "registry.test:5000").contents, tag };
}

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

async function scrape(c: TestContext = ctx): Promise<string> {
  const res = await request(c.app).get("/metrics").set("Accept", "text/html").expect(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

describe("GET /metrics", () => {
  it("serves every shared metric with service=api, and the default process metrics", async () => {
    const text = await scrape();
    for (const name of [...SHARED_METRIC_NAMES, "process_resident_memory_bytes", "nodejs_heap_size_used_bytes"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, "msrwh_open_circuits", { service: "api" })).toBe(0);
    expect(sample(text, "msrwh_webhooks_disabled", { service: "api" })).toBe(0);
  });

  it("counts received events by type and source, and their fan-out job as waiting", async () => {
    const before = await scrape();
    const base = sample(before, "msrwh_events_received_total", { type: "TAG_PUSH", source: "http" }) ?? 0;
    await as(ctx, ADMIN.username, ADMIN.password)
      .post("/api/v0/events")
      .send({ events: [{ type: "TAG_PUSH", contents: tagPushContents("v1") }, { type: "TAG_PUSH", contents: tagPushContents("v2") }] })
      .expect(202);
    const after = await scrape();
    expect(sample(after, "msrwh_events_received_total", { type: "TAG_PUSH", source: "http", service: "api" })).toBe(base + 2);
    // No worker runs in this test: the fan-out jobs wait in their queue.
    expect(sample(after, "msrwh_queue_jobs", { queue: "fanout", state: "waiting" })).toBeGreaterThanOrEqual(2);
    for (const queue of ["events", "fanout", "deliveries", "maintenance"]) {
      for (const state of ["waiting", "delayed", "failed", "active"]) {
        expect(sample(after, "msrwh_queue_jobs", { queue, state })).toEqual(expect.any(Number));
      }
    }
  });

  it("counts rejected events, every event of a refused batch, with a bounded type label", async () => {
    const admin = () => as(ctx, ADMIN.username, ADMIN.password);
    await admin().post("/api/v0/events").send({ type: "TAG_PUSH", contents: { namespace: "foo" } }).expect(400);
    await admin().post("/api/v0/events").send({ type: "NO_SUCH_TYPE_12345", contents: {} }).expect(400);
    await admin()
      .post("/api/v0/events")
      .send({ events: [{ type: "TAG_PULL", contents: tagPushContents("v1") }, { type: "TAG_PULL", contents: {} }] })
      .expect(400);
    const text = await scrape();
    expect(sample(text, "msrwh_events_rejected_total", { type: "TAG_PUSH", source: "http" })).toBe(1);
    expect(sample(text, "msrwh_events_rejected_total", { type: "invalid", source: "http" })).toBe(1);
    expect(sample(text, "msrwh_events_rejected_total", { type: "TAG_PULL", source: "http" })).toBe(2);
    expect(text).not.toContain("NO_SUCH_TYPE_12345");
    expect(sample(text, "msrwh_events_received_total", { type: "TAG_PULL" })).toBeUndefined();
  });

  it("counts REPO_EVENTs made by the API itself with source=api", async () => {
    const alice = await createUser(ctx, "alice-metrics");
    await as(ctx, alice.name, alice.password).post(`/api/v0/repositories/${alice.name}`).send({ name: "app" }).expect(201);
    expect(sample(await scrape(), "msrwh_events_received_total", { type: "REPO_EVENT", source: "api" })).toBe(1);
  });

  it("reads the number of webhooks the system disabled on each scrape", async () => {
    const db = ctx.deps.services.db;
    const author = await createUser(ctx, "carol-metrics");
    const make = (id: string, inactive: boolean, disabledAt: Date | null) =>
      db.webhook.create({
        data: {
          id,
          type: "TAG_PUSH",
          key: author.name,
          namespaceId: author.id,
          endpoint: "https://example.com/hook",
          authorId: author.id,
          inactive,
          disabledAt,
          disabledReason: disabledAt ? "HTTP 410 Gone" : null,
          signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
      });
    await make("m1".padEnd(64, "0"), true, new Date());
    await make("m2".padEnd(64, "0"), true, null);
    await make("m3".padEnd(64, "0"), false, null);
    expect(sample(await scrape(), "msrwh_webhooks_disabled")).toBe(1);
  });
});

describe("GET /metrics with METRICS_TOKEN", () => {
  let secured: TestContext;
  const token = "metrics-token-0123456789";

  beforeAll(async () => {
    secured = await createTestContext({ METRICS_TOKEN: token });
  });

  afterAll(async () => {
    await secured.close();
  });

  it("refuses a scrape without the bearer token, in MSR's error format", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-0123456789", basic(ADMIN.username, ADMIN.password)]) {
      const req = request(secured.app).get("/metrics");
      if (authorization) req.set("Authorization", authorization);
      const res = await req.expect(401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer /);
      expect(res.body).toEqual({ errors: [{ code: "NOT_AUTHENTICATED", message: expect.stringContaining("METRICS_TOKEN") }] });
    }
  });

  it("serves the metrics with it; the probes stay open", async () => {
    const res = await request(secured.app).get("/metrics").set("Authorization", `Bearer ${token}`).expect(200);
    expect(res.text).toContain("msrwh_queue_jobs");
    await request(secured.app).get("/healthz").expect(200);
    await request(secured.app).get("/readyz").expect(200);
  });
});

describe("registry notifications that make invalid events", () => {
  let odd: TestContext;
  const token = "registry-notification-token-0123456789";

  beforeAll(async () => {
    // A registry host so long that every imageName breaks its 1,024-character limit: the mapped
    // MANIFEST_PUSH and TAG_PUSH fail validation, are logged, counted as rejected and skipped.
    odd = await createTestContext({
      REGISTRY_HOST: `r${"e".repeat(1100)}.example`,
      REGISTRY_URL: "http://127.0.0.1:9",
      REGISTRY_TIMEOUT_MS: "500",
      REGISTRY_NOTIFICATION_TOKEN: token,
    });
  });

  afterAll(async () => {
    await odd.close();
  });

  it("counts them with source=distribution, and the REPO_EVENT that did validate as received", async () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const envelope = {
      events: [
        {
          id: "0b6e9a1e-2d6f-4d3c-9a55-1f0c6d2b7e01",
          timestamp: "2026-01-02T03:04:05.123Z",
          action: "push",
          target: { mediaType: "application/vnd.oci.image.manifest.v1+json", size: 400, digest, length: 400, repository: "ns/app", tag: "v1" },
          request: { id: "req-1", addr: "127.0.0.1:1234", host: "127.0.0.1:5000", method: "PUT", useragent: "test" },
          actor: { name: "alice" },
          source: { addr: "registry:5000", instanceID: "i-1" },
        },
      ],
    };
    await request(odd.app)
      .post("/api/v0/events/distribution")
      .set("Content-Type", "application/vnd.docker.distribution.events.v1+json")
      .set("Authorization", `Bearer ${token}`)
      .send(JSON.stringify(envelope))
      .expect(202);
    const text = (await request(odd.app).get("/metrics").expect(200)).text;
    expect(sample(text, "msrwh_events_rejected_total", { type: "MANIFEST_PUSH", source: "distribution" })).toBe(1);
    expect(sample(text, "msrwh_events_rejected_total", { type: "TAG_PUSH", source: "distribution" })).toBe(1);
    expect(sample(text, "msrwh_events_received_total", { type: "REPO_EVENT", source: "distribution" })).toBe(1);
    expect(odd.logs.some((l) => l["message"] === "registry event made an invalid webhook event: skipped")).toBe(true);
  });
});
